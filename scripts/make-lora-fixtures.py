"""
LoRA parity fixtures, made with the real peft, transformers and torch, on the tiny checkpoints that
scripts/make-hf-fixtures.py (bert) and scripts/make-lm-fixtures.py (llama, gpt2) write (run those first).
For each base it writes test/fixtures/hf/<base>-lora/ (encoders) or test/fixtures/hf-lm/<base>-lora/ (decoders):

    .venv/bin/python scripts/make-lora-fixtures.py                 # bert, llama, gpt2, qwen2
    .venv/bin/python scripts/make-lora-fixtures.py llama gpt2      # some of them

  init/      a PEFT adapter (adapter_config.json, adapter_model.safetensors): r=4, lora_alpha=8, PEFT's
             default target modules, the head in modules_to_save, with fixed wide random A and B so
             that both sides start from the same, non-trivial values
  trained/   the adapter after 3 AdamW steps of transformers' Trainer on the PeftModel (the recipe of
             the HF fixtures: full batch, constant lr, weight decay, clipping, dropout 0)
  golden.json  losses and grad norms of those steps, print_trainable_parameters' line, and the logits
             on the fixture's texts of base + trained adapter and of merge_and_unload()
             (decoders: in golden.safetensors, `adapter_logits` and `merged_logits` [rows, length, vocab]
             of the right-padded golden batch)

Decoders are CAUSAL_LM adapters with PEFT's default targets (llama q_proj, v_proj; gpt2 c_attn with
fan_in_fan_out) trained as scripts/make-lm-fixtures.py trains the base (text rows without EOS,
DataCollatorForLanguageModeling, labels[..., 1:] counted for num_items_in_batch).

base_model_name_or_path is written relative to the adapter folder (`../../<base>`), which our loader
resolves beside the adapter; Python callers pass the base model themselves.
"""
import contextlib
import io
import json
import os
import shutil
import sys

import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, TaskType, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ".venv/bin/python scripts/make-lora-fixtures.py"
FIXTURES = os.path.join(ROOT, "test", "fixtures", "hf")
LM_FIXTURES = os.path.join(ROOT, "test", "fixtures", "hf-lm")
DECODERS = ("llama", "gpt2")
R, ALPHA, STEPS = 4, 8, 3


def relocate_base(adapter_dir, base_name):
    path = os.path.join(adapter_dir, "adapter_config.json")
    with open(path) as f:
        config = json.load(f)
    config["base_model_name_or_path"] = f"../../{base_name}"
    with open(path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    readme = os.path.join(adapter_dir, "README.md")
    if os.path.exists(readme):
        os.remove(readme)


def batch_of(tok, golden):
    pairs = golden["pairs"]
    rows = [tok(t, p, truncation=True, max_length=golden["max_length"]) if pairs else tok(t, truncation=True, max_length=golden["max_length"]) for t, p in zip(golden["texts"], pairs or golden["texts"])]
    return DataCollatorWithPadding(tok)([dict(r) for r in rows])


def golden_header(base_name):
    """What every golden.json starts with: its generator, the library versions and the LoRA shape."""
    return {
        "generated_by": COMMAND,
        "versions": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "base": base_name,
        "r": R,
        "lora_alpha": ALPHA,
    }


def write_golden(out, golden):
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


def make(base_name):
    base_dir = os.path.join(FIXTURES, base_name)
    with open(os.path.join(base_dir, "golden.json")) as f:
        base_golden = json.load(f)
    recipe = base_golden["train"]
    out = os.path.join(FIXTURES, f"{base_name}-lora")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    tok = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForSequenceClassification.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=R, lora_alpha=ALPHA, lora_dropout=0.0)
    model = get_peft_model(model, config)
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model.print_trainable_parameters()
    init_dir = os.path.join(out, "init")
    model.save_pretrained(init_dir)
    relocate_base(init_dir, base_name)

    rows = []
    with open(os.path.join(base_dir, "train.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    label2id = model.config.label2id
    dataset = []
    for row in rows:
        enc = tok(row["text"], row["text_pair"], truncation=True, max_length=base_golden["max_length"]) if "text_pair" in row else tok(row["text"], truncation=True, max_length=base_golden["max_length"])
        item = dict(enc)
        item["labels"] = label2id[row["label"]] if isinstance(row["label"], str) else row["label"]
        dataset.append(item)

    args = TrainingArguments(
        output_dir=os.path.join("/tmp", f"lora-fixture-{base_name}"),
        per_device_train_batch_size=len(dataset),
        max_steps=STEPS,
        learning_rate=recipe["learning_rate"],
        weight_decay=recipe["weight_decay"],
        max_grad_norm=recipe["max_grad_norm"],
        lr_scheduler_type="constant",
        optim="adamw_torch",
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        label_names=["labels"],
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=DataCollatorWithPadding(tok))
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    grad_norms = [e["grad_norm"] for e in trainer.state.log_history if "grad_norm" in e]
    trained_dir = os.path.join(out, "trained")
    model.save_pretrained(trained_dir)
    relocate_base(trained_dir, base_name)

    # Read back as a user of peft would: base + adapter, then merged.
    base = AutoModelForSequenceClassification.from_pretrained(base_dir, dtype=torch.float32).eval()
    loaded = PeftModel.from_pretrained(base, trained_dir).eval()
    batch = batch_of(tok, base_golden)
    with torch.no_grad():
        adapter_logits = loaded(**batch).logits
        merged = loaded.merge_and_unload().eval()
        merged_logits = merged(**batch).logits

    golden = {
        **golden_header(base_name),
        "print_trainable_parameters": printed.getvalue().strip(),
        "train": {"steps": STEPS, **{k: recipe[k] for k in ("learning_rate", "weight_decay", "max_grad_norm", "batch_size")}, "losses": losses, "grad_norms": grad_norms},
        "adapter_logits": adapter_logits.tolist(),
        "merged_logits": merged_logits.tolist(),
    }
    write_golden(out, golden)
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(out) for x in xs)
    print(f"{out}: {size // 1024} KB, losses {losses}, {golden['print_trainable_parameters']}", file=sys.stderr)


def fixed_adapter(model):
    """Wide random A and B (B not zero), so that training starts from a non-trivial adapter on both sides."""
    gen = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def padded(rows, pad):
    length = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (length - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (length - len(r)) for r in rows])
    return ids, mask


# LoraConfig variants whose target selection and print_trainable_parameters line are recorded (no training).
DECODER_VARIANTS = {
    "llama": [
        {"target_modules": "all-linear"},
        {"target_modules": r".*\.(k_proj|o_proj)"},
        {"target_modules": ["q_proj", "v_proj"], "modules_to_save": ["lm_head"], "bias": "all"},
        {"target_modules": ["gate_proj"], "bias": "lora_only", "use_rslora": True},
    ],
    "gpt2": [
        {"target_modules": "all-linear", "fan_in_fan_out": True},
        {"target_modules": ["c_attn", "c_fc"], "fan_in_fan_out": True, "bias": "lora_only"},
    ],
    # Qwen2: q/k/v biases, a tied head (no lm_head Linear); variants only (its fixture has no training recipe).
    "qwen2": [
        {},
        {"bias": "lora_only"},
        {"target_modules": "all-linear", "bias": "all"},
        {"modules_to_save": ["embed_tokens"]},
    ],
    # Mistral: Llama's projections under another model_type (PEFT's defaults are looked up by it).
    "mistral": [
        {},
        {"target_modules": "all-linear"},
        {"target_modules": ["k_proj", "o_proj", "down_proj"], "modules_to_save": ["lm_head"], "bias": "lora_only"},
    ],
}
VARIANTS_ONLY = ("qwen2", "mistral")


def decoder_variants(base_dir, base_name):
    out = []
    for fields in DECODER_VARIANTS[base_name]:
        model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
        model = get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM, r=R, lora_alpha=ALPHA, **fields))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            model.print_trainable_parameters()
        targets = sorted(n.removeprefix("base_model.model.") for n, m in model.named_modules() if hasattr(m, "lora_A") and n.startswith("base_model.model.") and "modules_to_save" not in n)
        out.append({"peft": fields, "print_trainable_parameters": printed.getvalue().strip(), "targets": targets})
    return out


def make_decoder(base_name):
    base_dir = os.path.join(LM_FIXTURES, base_name)
    with open(os.path.join(base_dir, "golden.json")) as f:
        base_golden = json.load(f)
    recipe = base_golden["train"]
    out = os.path.join(LM_FIXTURES, f"{base_name}-lora")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    tok = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    # As make-lm-fixtures.py: GPT2LMHeadModel names no loss type, so the Trainer would count the unshifted labels.
    model.loss_type = "ForCausalLM"
    config = LoraConfig(task_type=TaskType.CAUSAL_LM, r=R, lora_alpha=ALPHA, lora_dropout=0.0, fan_in_fan_out=base_name == "gpt2")
    model = get_peft_model(model, config)
    fixed_adapter(model)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model.print_trainable_parameters()
    init_dir = os.path.join(out, "init")
    model.save_pretrained(init_dir)
    relocate_base(init_dir, base_name)

    with open(os.path.join(base_dir, "train.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    dataset = [dict(tok(r["text"])) for r in rows]
    assert [d["input_ids"] for d in dataset] == base_golden["train_ids"]
    args = TrainingArguments(
        output_dir=os.path.join("/tmp", f"lora-fixture-{base_name}"),
        per_device_train_batch_size=len(dataset),
        max_steps=STEPS,
        learning_rate=recipe["learning_rate"],
        weight_decay=recipe["weight_decay"],
        max_grad_norm=recipe["max_grad_norm"],
        lr_scheduler_type="constant",
        optim="adamw_torch",
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=DataCollatorForLanguageModeling(tok, mlm=False))
    assert trainer._loss_shifts_labels
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    grad_norms = [e["grad_norm"] for e in trainer.state.log_history if "grad_norm" in e]
    trained_dir = os.path.join(out, "trained")
    model.save_pretrained(trained_dir)
    relocate_base(trained_dir, base_name)

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
    loaded = PeftModel.from_pretrained(base, trained_dir).eval()
    ids, mask = padded([e["input_ids"] for e in base_golden["encodings"]], base_golden["pad_token_id"])
    with torch.no_grad():
        adapter_logits = loaded(input_ids=ids, attention_mask=mask).logits
        merged_logits = loaded.merge_and_unload().eval()(input_ids=ids, attention_mask=mask).logits
    save_file({"adapter_logits": adapter_logits.contiguous(), "merged_logits": merged_logits.contiguous()}, os.path.join(out, "golden.safetensors"))
    golden = {
        **golden_header(base_name),
        "print_trainable_parameters": printed.getvalue().strip(),
        "targets": sorted(n.removeprefix("base_model.model.") for n, m in model.named_modules() if hasattr(m, "lora_A") and n.startswith("base_model.model.")),
        "train": {"steps": STEPS, **{k: recipe[k] for k in ("learning_rate", "weight_decay", "max_grad_norm", "batch_size")}, "losses": losses, "grad_norms": grad_norms},
        "variants": decoder_variants(base_dir, base_name),
    }
    write_golden(out, golden)
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(out) for x in xs)
    print(f"{out}: {size // 1024} KB, losses {losses}, {golden['print_trainable_parameters']}", file=sys.stderr)


def make_variants_only(base_name):
    out = os.path.join(LM_FIXTURES, f"{base_name}-lora")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    golden = {
        **golden_header(base_name),
        "variants": decoder_variants(os.path.join(LM_FIXTURES, base_name), base_name),
    }
    write_golden(out, golden)
    print(f"{out}: {[v['print_trainable_parameters'] for v in golden['variants']]}", file=sys.stderr)


def main():
    torch.set_num_threads(1)
    for base_name in sys.argv[1:] or ["bert", *DECODERS, *VARIANTS_ONLY]:
        if base_name in VARIANTS_ONLY:
            make_variants_only(base_name)
        elif base_name in DECODERS:
            make_decoder(base_name)
        else:
            make(base_name)


if __name__ == "__main__":
    main()
