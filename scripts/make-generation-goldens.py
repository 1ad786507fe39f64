"""Goldens for the sampling warpers (src/trainer/generation/sampling.ts), computed by transformers itself.

Each case is a row of logits and a GenerationConfig; the processors are the list `generate` builds
(`_get_logits_processor` on a tiny GPT-2), so both the warpers and their order come from transformers.
Writes test/fixtures/generation/warpers.json. Run: .venv/bin/python scripts/make-generation-goldens.py
"""
import json
import math
from pathlib import Path

import torch
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test/fixtures/generation/warpers.json"

VOCAB = 64
torch.manual_seed(0)
model = GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, n_positions=16, n_embd=8, n_layer=1, n_head=2, bos_token_id=0, eos_token_id=0)).eval()

CASES = [
    ("greedy", dict(do_sample=False)),
    ("temperature", dict(do_sample=True, temperature=0.7, top_k=0)),
    ("hot temperature", dict(do_sample=True, temperature=1.9, top_k=0)),
    ("top_k", dict(do_sample=True, top_k=5)),
    ("top_k 50, transformers' default", dict(do_sample=True, top_k=50)),
    ("top_p", dict(do_sample=True, top_k=0, top_p=0.9)),
    ("tight top_p", dict(do_sample=True, top_k=0, top_p=0.05)),
    ("temperature, top_k, top_p", dict(do_sample=True, temperature=0.6, top_k=20, top_p=0.8)),
    ("top_k before top_p", dict(do_sample=True, top_k=3, top_p=0.99)),
]


def encode(t):
    return [None if math.isinf(v) else v for v in t.tolist()]


cases = []
gen = torch.Generator().manual_seed(1234)
for name, kwargs in CASES:
    for row in range(3):
        # Spread logits (scale 3) so top-p boundaries do not sit on a float32 rounding edge.
        scores = (torch.randn(1, VOCAB, generator=gen) * 3).float()
        config = GenerationConfig(**kwargs)
        processors = model._get_logits_processor(
            config, input_ids_seq_length=1, encoder_input_ids=None, prefix_allowed_tokens_fn=None,
            logits_processor=None, device="cpu", model_kwargs={},
        )
        warped = processors(torch.zeros(1, 1, dtype=torch.long), scores.clone())
        cases.append({
            "name": f"{name} #{row}",
            "settings": {
                "doSample": config.do_sample,
                "temperature": config.temperature if config.temperature is not None else 1.0,
                "topK": config.top_k if config.top_k is not None else 0,
                "topP": config.top_p if config.top_p is not None else 1.0,
            },
            "processors": [type(p).__name__ for p in processors],
            "scores": scores[0].tolist(),
            # -inf (a removed token) is written as null.
            "warped": encode(warped[0]),
            "probs": torch.softmax(warped[0], dim=-1).tolist(),
        })

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"generator": "scripts/make-generation-goldens.py", "cases": cases}) + "\n")
print(f"wrote {OUT.relative_to(ROOT)} ({len(cases)} cases)")


# ---- greedy generation on lm-core's tiny decoders (scripts/make-lm-fixtures.py) ----
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

GREEDY_OUT = ROOT / "test/fixtures/generation/greedy.json"
PROMPTS = ["The cat sat on the mat.", "Zyzzyva! A robot", "ok"]
greedy = {"generator": "scripts/make-generation-goldens.py", "models": {}}
for name in ["gpt2", "llama", "qwen2"]:
    folder = ROOT / "test/fixtures/hf-lm" / name
    lm = AutoModelForCausalLM.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    runs = []
    # The goldens belong to these exact weights: the test compares this hash before the tokens.
    import hashlib  # noqa: E402
    digest = hashlib.sha256()
    for f in sorted(folder.glob("*.safetensors")):
        digest.update(f.read_bytes())
    for prompt in PROMPTS:
        ids = tok(prompt, return_tensors="pt").input_ids
        with torch.no_grad():
            out = lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False)
        new = out[0, ids.shape[1]:].tolist()
        run = {"prompt": prompt, "prompt_ids": ids[0].tolist(), "eos_token_id": lm.generation_config.eos_token_id, "tokens": new,
               "text": tok.decode(new, skip_special_tokens=True)}
        runs.append(run)
        # A list of EOS ids, one of them a token greedy decoding reaches: generate must stop there.
        if len(new) > 6:
            eos = [int(lm.config.vocab_size) - 1, new[5]]
            with torch.no_grad():
                cut = lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, do_sample=False, eos_token_id=eos)
            cut_new = cut[0, ids.shape[1]:].tolist()
            # generate pads finished rows with pad_token_id; a single row ends at its EOS.
            runs.append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "eos_token_id": eos, "tokens": cut_new,
                         "text": tok.decode(cut_new, skip_special_tokens=True)})
    greedy["models"][name] = runs
    greedy.setdefault("weights_sha256", {})[name] = digest.hexdigest()
GREEDY_OUT.write_text(json.dumps(greedy, indent=1) + "\n")
print(f"wrote {GREEDY_OUT.relative_to(ROOT)}")
