"""Logits of a causal-LM base + a PEFT adapter as peft computes them:
python lm_peft_logits.py BASE ADAPTER < {"rows": [[ids...], ...], "pad": id}.
Prints {"logits": [...], "targets": [...], "task_type": ...} (rows right-padded)."""
import json
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

base_dir, adapter_dir = sys.argv[1], sys.argv[2]
request = json.load(sys.stdin)
rows, pad = request["rows"], request["pad"]
length = max(len(r) for r in rows)
ids = torch.tensor([r + [pad] * (length - len(r)) for r in rows])
mask = torch.tensor([[1] * len(r) + [0] * (length - len(r)) for r in rows])
base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).eval()
model = PeftModel.from_pretrained(base, adapter_dir).eval()
with torch.no_grad():
    logits = model(input_ids=ids, attention_mask=mask).logits
config = model.peft_config["default"]
print(json.dumps({"logits": logits.flatten().tolist(), "targets": sorted(config.target_modules), "task_type": str(config.task_type.value if hasattr(config.task_type, "value") else config.task_type)}))
