"""Greedy generation from a saved causal-LM folder as transformers does it:
python lm_generate.py DIR < {"prompts": [[ids...], ...], "max_new_tokens": N}.
Prints {"tokens": [[new ids...], ...]} (model.generate, do_sample=False, the folder's generation_config)."""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

folder = sys.argv[1]
request = json.load(sys.stdin)
model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
out = []
with torch.no_grad():
    for prompt in request["prompts"]:
        ids = torch.tensor([prompt])
        generated = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=request["max_new_tokens"], do_sample=False)
        out.append(generated[0, len(prompt):].tolist())
print(json.dumps({"tokens": out}))
