"""Logits of a saved folder as transformers computes them: python hf_logits.py DIR MAX_LENGTH < {"texts": [...], "pairs": [...] | null}."""
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding

folder, max_length = sys.argv[1], int(sys.argv[2])
request = json.load(sys.stdin)
tok = AutoTokenizer.from_pretrained(folder)
model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32).eval()
pairs = request.get("pairs")
rows = [tok(t, p, truncation=True, max_length=max_length) if pairs else tok(t, truncation=True, max_length=max_length) for t, p in zip(request["texts"], pairs or request["texts"])]
batch = DataCollatorWithPadding(tok)([dict(r) for r in rows])
with torch.no_grad():
    logits = model(**batch).logits
print(json.dumps({"logits": logits.tolist(), "architectures": model.config.architectures, "problem_type": model.config.problem_type, "id2label": model.config.id2label}))
