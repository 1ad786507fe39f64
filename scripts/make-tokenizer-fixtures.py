"""
Tiny causal-LM tokenizers and the golden values that the causal-LM data tests compare against,
all made with the real tokenizers, transformers and trl.

    .venv/bin/python scripts/make-tokenizer-fixtures.py     # writes test/fixtures/hf/tokenizers/

test/fixtures/hf/tokenizers/
  gpt2/      byte-level BPE, <|endoftext|> as bos/eos/unk, no pad token, no chat template
  llama/     SentencePiece-style BPE (Metaspace, byte fallback), <s> added by the post-processor,
             </s> as eos, <unk> as pad, and trl's llama3 chat template
  text.jsonl, prompt-completion.jsonl, messages.jsonl   the rows the goldens were made from
  golden.json  per tokenizer:
    text:            tokenizer(text).input_ids for each row of text.jsonl
    text_eos:        the same with the eos token appended as TRL's SFTTrainer appends it
    sft_*:           input_ids and labels from trl's SFTTrainer._prepare_dataset (the real code path)
                     for text / prompt-completion / messages rows, with and without packing
    chat:            tokenizer.apply_chat_template(...) renderings (llama only)
  qwen2_5.jinja, qwen2_5_training.jinja   trl's Qwen2.5 template and its {% generation %}-marked training variant
"""
import json
import os
import random
import types

import datasets
import transformers
import trl
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import GPT2TokenizerFast, LlamaTokenizerFast, PreTrainedTokenizerFast
from trl import SFTConfig, SFTTrainer
from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "hf", "tokenizers")
COMMAND = ".venv/bin/python scripts/make-tokenizer-fixtures.py"
TRL_TEMPLATES = os.path.join(os.path.dirname(trl.__file__), "chat_templates")

WORDS = ("the cat sat on a mat and looked at the moon while dogs ran through quiet gardens "
         "answer question capital France Paris two plus four six colour sky blue hello thanks").split()

TEXTS = [
    "The cat sat on the mat.",
    "Hello world! Héllo wörld, ¿qué tal? 你好 🙂",
    "  leading spaces and\ttabs\nand a newline",
    "a",
    "The quiet dogs ran through the gardens while the cat looked at the moon and the moon looked back at the cat for a long time.",
    "Ends with the eos already<|endoftext|>",
    "two plus four is six",
    "Paris is the capital of France",
]

PROMPT_COMPLETION = [
    {"prompt": "What is two plus four?", "completion": " Six."},
    {"prompt": "The capital of France is", "completion": " Paris"},
    {"prompt": "Say hello:", "completion": " hello, and thanks for asking!"},
    {"prompt": "What colour is the sky? Answer in one long sentence please, with many words in it.", "completion": " The sky is blue on a clear day."},
]

MESSAGES = [
    {"messages": [{"role": "user", "content": "What is two plus four?"}, {"role": "assistant", "content": "Six."}]},
    {"messages": [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And the colour of the sky?"},
        {"role": "assistant", "content": "  Blue, on a clear day.  "},
    ]},
    {"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hello! thanks 🙂"}]},
]


def tokenizer_corpus():
    rng = random.Random(11)
    rows = [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 14))) for _ in range(300)]
    rows += TEXTS + [r["prompt"] + r["completion"] for r in PROMPT_COMPLETION]
    rows += [m["content"] for row in MESSAGES for m in row["messages"]]
    return [r.capitalize() if i % 3 == 0 else r for i, r in enumerate(rows)]


def gpt2_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(
        tokenizer_corpus(),
        trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    return GPT2TokenizerFast(
        tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>", model_max_length=64
    )


LLAMA_SPECIALS = ["<unk>", "<s>", "</s>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]


def llama_tokenizer():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tok.train_from_iterator(
        tokenizer_corpus(),
        trainers.BpeTrainer(vocab_size=600, special_tokens=LLAMA_SPECIALS + byte_tokens, min_frequency=1),
    )
    bos = tok.token_to_id("<s>")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    with open(os.path.join(TRL_TEMPLATES, "llama3.jinja"), encoding="utf-8") as f:
        template = f.read()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<unk>",
        model_max_length=128,
        chat_template=template,
        additional_special_tokens=["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
    )


def fake_sft(tokenizer, completion_only_loss, chat_template):
    """The attributes SFTTrainer._prepare_dataset reads from self: its real code runs on them."""
    return types.SimpleNamespace(_tokenizer=tokenizer, completion_only_loss=completion_only_loss, chat_template=chat_template)


def sft_prepare(tokenizer, rows, *, max_length, packing=False, strategy="bfd", completion_only_loss=None, assistant_only_loss=False):
    """Runs trl's SFTTrainer._prepare_dataset as SFTTrainer.__init__ would set it up."""
    args = SFTConfig(
        output_dir="/tmp/unused", max_length=max_length, packing=packing, packing_strategy=strategy,
        completion_only_loss=completion_only_loss, assistant_only_loss=assistant_only_loss, report_to="none",
        use_cpu=True, bf16=False, dataset_num_proc=None,
    )
    dataset = datasets.Dataset.from_list(rows)
    sample = rows[0]
    col = "prompt" in sample and "completion" in sample
    completion = col if completion_only_loss is None else completion_only_loss
    template = None
    if assistant_only_loss and not trl.chat_template_utils.has_generation_markers(tokenizer.chat_template):
        template = trl.chat_template_utils.get_training_chat_template(tokenizer)
    prepared = SFTTrainer._prepare_dataset(fake_sft(tokenizer, completion, template), dataset, tokenizer, args, packing, None, "train")
    out = {"input_ids": [list(r) for r in prepared["input_ids"]], "labels": [list(r) for r in prepared["labels"]]}
    if "seq_lengths" in prepared.column_names:
        out["seq_lengths"] = [list(r) for r in prepared["seq_lengths"]]
        collator = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id or 0, padding_free=True)
        out["position_ids"] = [p.tolist() for p in collator.get_position_ids_from_packed_seq_lengths(out["seq_lengths"])]
    return out


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def goldens(tokenizer, name):
    g = {"text": [tokenizer(t)["input_ids"] for t in TEXTS]}
    eos = tokenizer.eos_token
    g["text_eos"] = [tokenizer(t if t.endswith(eos) else t + eos)["input_ids"] for t in TEXTS]
    text_rows = [{"text": t} for t in TEXTS]
    g["sft_text"] = sft_prepare(tokenizer, text_rows, max_length=16)
    g["sft_text_packed_bfd"] = sft_prepare(tokenizer, text_rows, max_length=24, packing=True, strategy="bfd")
    g["sft_text_packed_wrapped"] = sft_prepare(tokenizer, text_rows, max_length=24, packing=True, strategy="wrapped")
    g["sft_prompt_completion"] = sft_prepare(tokenizer, PROMPT_COMPLETION, max_length=24)
    g["sft_prompt_completion_full_loss"] = sft_prepare(tokenizer, PROMPT_COMPLETION, max_length=24, completion_only_loss=False)
    if tokenizer.chat_template:
        g["chat"] = {
            "rendered": [tokenizer.apply_chat_template(r["messages"], tokenize=False) for r in MESSAGES],
            "generation_prompt": [tokenizer.apply_chat_template(r["messages"][:-1], tokenize=False, add_generation_prompt=True) for r in MESSAGES],
            "ids": [tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"] for r in MESSAGES],
        }
        g["sft_messages_assistant_only"] = sft_prepare(tokenizer, MESSAGES, max_length=128, assistant_only_loss=True)
        g["sft_messages_full_loss"] = sft_prepare(tokenizer, MESSAGES, max_length=128, assistant_only_loss=False)
        # A template with {% generation %} markers of its own, given as data.chat_template.
        with open(os.path.join(TRL_TEMPLATES, "qwen2_5_training.jinja"), encoding="utf-8") as f:
            marked = f.read()
        tokenizer.chat_template, saved = marked, tokenizer.chat_template
        g["sft_messages_marked_template"] = sft_prepare(tokenizer, MESSAGES, max_length=128, assistant_only_loss=True)
        g["marked_template_rendered"] = [tokenizer.apply_chat_template(r["messages"], tokenize=False) for r in MESSAGES]
        # Qwen2.5's own template, without markers: TRL swaps in its marked training variant.
        with open(os.path.join(TRL_TEMPLATES, "qwen2_5.jinja"), encoding="utf-8") as f:
            tokenizer.chat_template = f.read()
        g["sft_messages_qwen2_5"] = sft_prepare(tokenizer, MESSAGES, max_length=128, assistant_only_loss=True)
        tokenizer.chat_template = saved
    return g


def main():
    os.makedirs(OUT, exist_ok=True)
    write_jsonl(os.path.join(OUT, "text.jsonl"), [{"text": t} for t in TEXTS])
    write_jsonl(os.path.join(OUT, "prompt-completion.jsonl"), PROMPT_COMPLETION)
    write_jsonl(os.path.join(OUT, "messages.jsonl"), MESSAGES)
    with open(os.path.join(TRL_TEMPLATES, "qwen2_5_training.jinja"), encoding="utf-8") as f:
        marked = f.read()
    with open(os.path.join(OUT, "qwen2_5_training.jinja"), "w", encoding="utf-8") as f:
        f.write(marked)
    with open(os.path.join(TRL_TEMPLATES, "qwen2_5.jinja"), encoding="utf-8") as f:
        plain = f.read()
    with open(os.path.join(OUT, "qwen2_5.jinja"), "w", encoding="utf-8") as f:
        f.write(plain)
    golden = {"generator": COMMAND, "versions": {"transformers": transformers.__version__, "trl": trl.__version__}}
    for name, make in (("gpt2", gpt2_tokenizer), ("llama", llama_tokenizer)):
        tokenizer = make()
        folder = os.path.join(OUT, name)
        tokenizer.save_pretrained(folder)
        # Reload as a user would, so the goldens come from the files we ship.
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
        golden[name] = goldens(tokenizer, name)
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
