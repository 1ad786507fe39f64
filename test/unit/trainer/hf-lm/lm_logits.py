"""Logits of a saved causal-LM folder as transformers computes them: python lm_logits.py DIR < {"rows": [[ids...], ...], "pad": id}.
Prints {"logits": [...], "architectures": [...], "keys": [...]} (rows right-padded, as DataCollatorForLanguageModeling pads).
With "prompts": [[ids...], ...] and "max_new_tokens": N in the request, also "tokens": the new ids of greedy model.generate
(as lm_generate.py), so one Python start serves both."""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

folder = sys.argv[1]
request = json.load(sys.stdin)
rows, pad = request["rows"], request["pad"]
length = max(len(r) for r in rows)
ids = torch.tensor([r + [pad] * (length - len(r)) for r in rows])
mask = torch.tensor([[1] * len(r) + [0] * (length - len(r)) for r in rows])
model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
with torch.no_grad():
    logits = model(input_ids=ids, attention_mask=mask).logits
    tokens = []
    for prompt in request.get("prompts", []):
        prompt_ids = torch.tensor([prompt])
        generated = model.generate(prompt_ids, attention_mask=torch.ones_like(prompt_ids), max_new_tokens=request["max_new_tokens"], do_sample=False)
        tokens.append(generated[0, len(prompt):].tolist())
print(json.dumps({"logits": logits.flatten().tolist(), "architectures": model.config.architectures, "keys": sorted(model.state_dict().keys()), "tokens": tokens}))
