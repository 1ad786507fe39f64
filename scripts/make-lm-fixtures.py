"""
Tiny random decoder language models (GPT-2, Llama sharded, Qwen2, Mistral) and the golden values that the
causal-LM parity tests in test/unit/trainer/hf-lm compare against, made with the real transformers,
tokenizers and torch.

    .venv/bin/python scripts/make-lm-fixtures.py [NAME ...]     # writes test/fixtures/hf-lm/ (all, or the named ones)

Each fixture folder holds what the Hub would serve (config.json, model.safetensors or shards with
model.safetensors.index.json, tokenizer.json, tokenizer_config.json, generation_config.json), plus:
  train.jsonl          the rows trained on ({"text": ...}; 8 rows: one full batch)
  golden.json          token ids, the training recipe, eval_loss, losses and grad norms
  golden.safetensors   logits of the right-padded golden batch [rows, length, vocab]
  trained/             the weights after 3 AdamW steps of transformers' Trainer on train.jsonl
                       (GPT-2 and Llama)
Weights are drawn wide (not the 0.02 of initializer_range) so that a wrong RoPE convention, norm
epsilon or mask shows in the logits. Dropout is 0.
"""
import argparse
import json
import os
import random
import shutil
import sys

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
import transformers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    GenerationConfig,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Trainer,
    TrainingArguments,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ".venv/bin/python scripts/make-lm-fixtures.py"

SUBJECTS = ["the cat", "a dog", "my friend", "the robot", "our teacher", "the old man", "a small bird"]
VERBS = ["sat on", "looked at", "walked to", "painted", "found", "carried"]
OBJECTS = ["the mat", "a red box", "the garden", "the river bank", "a blue door", "the tall tree"]
TEXTS = [
    "The cat sat on the mat.",
    "Zyzzyva! A robot painted the garden in Montréal, twice.",
    "ok",
]
TRAIN_STEPS = 3
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0
VOCAB = 300


def sentence(rng):
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}".capitalize() + rng.choice([".", "!", ""])


def tokenizer_corpus():
    rng = random.Random(3)
    return [sentence(rng) for _ in range(300)] + TEXTS


def bytelevel_tokenizer(bos):
    """Byte-level BPE; with `bos`, the post-processor prepends <s> (as Llama's tokenizers do)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    specials = ["<|endoftext|>", "<pad>", "<s>"]
    tok.train_from_iterator(
        tokenizer_corpus(), trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    )
    if bos:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>" if bos else "<|endoftext|>", eos_token="<|endoftext|>", pad_token="<pad>", model_max_length=64
    )


def randomise(model, seed):
    """Wide random weights: N(0, 0.2) matrices and biases, norm weights around 1."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if name.endswith("norm.weight") or ".ln_" in name:
                p.copy_(1 + 0.2 * noise if name.endswith("weight") else 0.2 * noise)
            else:
                p.copy_(0.2 * noise)


def collate(tok, encodings):
    return DataCollatorForLanguageModeling(tok, mlm=False)([dict(e) for e in encodings])


def make_fixture(name, model_cls, config, tok, save_kwargs, out_root, train):
    out = os.path.join(out_root, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.manual_seed(0)
    model = model_cls(config).eval()
    randomise(model, seed=len(name) * 7)
    model.generation_config = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model.save_pretrained(out, **save_kwargs)
    tok.save_pretrained(out)

    # Everything below reads the folder back as a user of transformers would.
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    encodings = [tok(t) for t in TEXTS]
    batch = collate(tok, encodings)
    with torch.no_grad():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    save_file({"logits": logits.contiguous()}, os.path.join(out, "golden.safetensors"))

    rng = random.Random(len(name) * 31)
    rows = [{"text": " ".join(sentence(rng) for _ in range(rng.randrange(1, 3)))} for _ in range(8)]
    with open(os.path.join(out, "train.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    dataset = [dict(tok(r["text"])) for r in rows]
    train_batch = collate(tok, dataset)
    with torch.no_grad():
        eval_loss = model(**train_batch).loss.item()
    golden = {
        "generated_by": COMMAND,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "model_type": config.model_type,
        "architecture": model.config.architectures[0],
        "texts": TEXTS,
        "encodings": [{k: list(v) for k, v in e.items()} for e in encodings],
        "pad_token_id": tok.pad_token_id,
        "train_ids": [d["input_ids"] for d in dataset],
        "train_eval_loss": eval_loss,
    }

    if train:
        args = TrainingArguments(
            output_dir=os.path.join("/tmp", f"lm-fixture-{name}"),
            per_device_train_batch_size=len(dataset),
            max_steps=TRAIN_STEPS,
            learning_rate=LEARNING_RATE,
            weight_decay=WEIGHT_DECAY,
            max_grad_norm=MAX_GRAD_NORM,
            lr_scheduler_type="constant",
            optim="adamw_torch",
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            seed=0,
            disable_tqdm=True,
        )
        # transformers infers loss_type from the class name, finds none for GPT2LMHeadModel, and then counts
        # the unshifted labels (one target too many per row) for num_items_in_batch. Naming the loss makes
        # it count labels[..., 1:] as for *ForCausalLM, the count our Trainer uses for every decoder.
        model.loss_type = "ForCausalLM"
        trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=DataCollatorForLanguageModeling(tok, mlm=False))
        assert trainer._loss_shifts_labels
        trainer.train()
        trainer.save_model(os.path.join(out, "trained"))
        for extra in ("training_args.bin",):
            path = os.path.join(out, "trained", extra)
            if os.path.exists(path):
                os.remove(path)
        golden["train"] = {
            "steps": TRAIN_STEPS,
            "learning_rate": LEARNING_RATE,
            "weight_decay": WEIGHT_DECAY,
            "max_grad_norm": MAX_GRAD_NORM,
            "lr_scheduler_type": "constant",
            "batch_size": len(dataset),
            "losses": [e["loss"] for e in trainer.state.log_history if "loss" in e],
            "grad_norms": [e["grad_norm"] for e in trainer.state.log_history if "grad_norm" in e],
        }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(out) for x in xs)
    print(f"{out}: {size // 1024} KB, eval_loss {eval_loss:.6f}, {golden.get('train', {}).get('losses')}", file=sys.stderr)


def fixtures(out_root, names):
    wanted = lambda name: not names or name in names
    gpt2_tok = bytelevel_tokenizer(bos=False)
    ids = {"bos_token_id": gpt2_tok.bos_token_id, "eos_token_id": gpt2_tok.eos_token_id, "pad_token_id": gpt2_tok.pad_token_id}
    gpt2 = GPT2Config(
        vocab_size=len(gpt2_tok), n_positions=64, n_embd=32, n_layer=2, n_head=4, activation_function="gelu_new",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, **ids,
    )
    if wanted("gpt2"):
        make_fixture("gpt2", GPT2LMHeadModel, gpt2, gpt2_tok, {}, out_root, train=True)

    llama_tok = bytelevel_tokenizer(bos=True)
    ids = {"bos_token_id": llama_tok.bos_token_id, "eos_token_id": llama_tok.eos_token_id, "pad_token_id": llama_tok.pad_token_id}
    llama = LlamaConfig(
        vocab_size=len(llama_tok), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=64, rms_norm_eps=1e-5, tie_word_embeddings=False, **ids,
    )
    if wanted("llama"):
        make_fixture("llama", LlamaForCausalLM, llama, llama_tok, {"max_shard_size": "50KB"}, out_root, train=True)

    qwen2 = Qwen2Config(
        vocab_size=len(gpt2_tok), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=1,
        head_dim=16, max_position_embeddings=64, rms_norm_eps=1e-6, tie_word_embeddings=True,
        rope_parameters={"rope_type": "linear", "factor": 2.0, "rope_theta": 1000000.0},
        bos_token_id=gpt2_tok.bos_token_id, eos_token_id=gpt2_tok.eos_token_id, pad_token_id=gpt2_tok.pad_token_id,
    )
    if wanted("qwen2"):
        make_fixture("qwen2", Qwen2ForCausalLM, qwen2, gpt2_tok, {}, out_root, train=False)

    # Mistral: Llama's blocks with a sliding window, here 4 tokens, so the golden texts (up to ~20 tokens)
    # attend through the window and a missing or off-by-one window shows in the logits.
    mistral = MistralConfig(
        vocab_size=len(llama_tok), hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=64, rms_norm_eps=1e-5, tie_word_embeddings=False, sliding_window=4,
        bos_token_id=llama_tok.bos_token_id, eos_token_id=llama_tok.eos_token_id, pad_token_id=llama_tok.pad_token_id,
    )
    if wanted("mistral"):
        make_fixture("mistral", MistralForCausalLM, mistral, llama_tok, {}, out_root, train=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="fixtures to write (default: all)")
    parser.add_argument("--out", default=None)
    options = parser.parse_args()
    torch.set_num_threads(1)
    fixtures(options.out or os.path.join(ROOT, "test", "fixtures", "hf-lm"), options.names)


if __name__ == "__main__":
    main()
