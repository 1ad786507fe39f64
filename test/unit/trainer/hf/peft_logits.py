"""Logits of base + a PEFT adapter as peft computes them: python peft_logits.py BASE ADAPTER MAX_LENGTH < {"texts": [...], "pairs": [...] | null}."""
import json
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding

base_dir, adapter_dir, max_length = sys.argv[1], sys.argv[2], int(sys.argv[3])
request = json.load(sys.stdin)
tok = AutoTokenizer.from_pretrained(base_dir)
base = AutoModelForSequenceClassification.from_pretrained(base_dir, dtype=torch.float32).eval()
model = PeftModel.from_pretrained(base, adapter_dir).eval()
pairs = request.get("pairs")
rows = [tok(t, p, truncation=True, max_length=max_length) if pairs else tok(t, truncation=True, max_length=max_length) for t, p in zip(request["texts"], pairs or request["texts"])]
batch = DataCollatorWithPadding(tok)([dict(r) for r in rows])
with torch.no_grad():
    logits = model(**batch).logits
print(json.dumps({"logits": logits.tolist(), "targets": sorted(model.peft_config["default"].target_modules)}))
