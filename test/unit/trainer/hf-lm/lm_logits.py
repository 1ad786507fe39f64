"""Logits of a saved causal-LM folder as transformers computes them: python lm_logits.py DIR < {"rows": [[ids...], ...], "pad": id}.
Prints {"logits": [...], "architectures": [...], "keys": [...]} (rows right-padded, as DataCollatorForLanguageModeling pads)."""
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
print(json.dumps({"logits": logits.flatten().tolist(), "architectures": model.config.architectures, "keys": sorted(model.state_dict().keys())}))
