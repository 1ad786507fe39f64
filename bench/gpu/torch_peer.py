#!/usr/bin/env python3
"""The PyTorch peer of the GPU bench: the same model of bench/gpu/shapes.json (random weights, no
downloads) fine-tuned the way HF's Trainer steps: forward, loss (cross-entropy; shifted for the
causal LM), backward, clip_grad_norm_(1.0), AdamW(lr 5e-5, weight_decay 0.01).

Precisions: fp32, and bf16 autocast for reference (CUDA only). Models: transformers'
BertForSequenceClassification / LlamaForCausalLM built from the config when transformers is
importable (--impl auto), otherwise the same architectures written here in torch.nn with
scaled_dot_product_attention (what transformers uses on CUDA). Without CUDA it runs on the CPU and
says so in the result. Prints one line `RESULT {json}`.

Usage: torch_peer.py SHAPES_JSON SCALE MODEL WARMUP STEPS [--impl auto|torch|transformers] [--precision fp32,bf16]
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- plain torch.nn versions (used when transformers is not installed) ----

class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.qkv = nn.Linear(h, 3 * h)
        self.out = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.up = nn.Linear(h, c["intermediate_size"])
        self.down = nn.Linear(c["intermediate_size"], h)
        self.ln2 = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.drop = c["hidden_dropout_prob"]
        self.attn_drop = c["attention_probs_dropout_prob"]

    def forward(self, x, mask):
        b, t, h = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.attn_drop if self.training else 0.0)
        a = a.transpose(1, 2).reshape(b, t, h)
        x = self.ln1(x + F.dropout(self.out(a), self.drop, self.training))
        y = self.down(F.gelu(self.up(x)))
        return self.ln2(x + F.dropout(y, self.drop, self.training))


class BertClassifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.words = nn.Embedding(c["vocab_size"], h, padding_idx=c.get("pad_token_id", 0))
        self.positions = nn.Embedding(c["max_position_embeddings"], h)
        self.types = nn.Embedding(c["type_vocab_size"], h)
        self.ln = nn.LayerNorm(h, eps=c["layer_norm_eps"])
        self.drop = c["hidden_dropout_prob"]
        self.layers = nn.ModuleList(BertLayer(c) for _ in range(c["num_hidden_layers"]))
        self.pooler = nn.Linear(h, h)
        self.classifier = nn.Linear(h, c["num_labels"])

    def forward(self, input_ids, attention_mask):
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device)
        x = self.words(input_ids) + self.positions(pos)[None] + self.types.weight[0]
        x = F.dropout(self.ln(x), self.drop, self.training)
        mask = ((1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min)
        for layer in self.layers:
            x = layer(x, mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(F.dropout(pooled, self.drop, self.training))


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


class LlamaLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, d = c["hidden_size"], c["head_dim"]
        self.heads, self.kv, self.d = c["num_attention_heads"], c["num_key_value_heads"], d
        self.q = nn.Linear(h, self.heads * d, bias=False)
        self.k = nn.Linear(h, self.kv * d, bias=False)
        self.v = nn.Linear(h, self.kv * d, bias=False)
        self.o = nn.Linear(self.heads * d, h, bias=False)
        self.gate = nn.Linear(h, c["intermediate_size"], bias=False)
        self.up = nn.Linear(h, c["intermediate_size"], bias=False)
        self.down = nn.Linear(c["intermediate_size"], h, bias=False)
        self.n1 = nn.RMSNorm(h, eps=c["rms_norm_eps"])
        self.n2 = nn.RMSNorm(h, eps=c["rms_norm_eps"])

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        y = self.n1(x)
        q = self.q(y).view(b, t, self.heads, self.d).transpose(1, 2)
        k = self.k(y).view(b, t, self.kv, self.d).transpose(1, 2)
        v = self.v(y).view(b, t, self.kv, self.d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = self.heads // self.kv
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o(a)
        y = self.n2(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y))


class LlamaLm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(LlamaLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = nn.RMSNorm(c["hidden_size"], eps=c["rms_norm_eps"])
        d = c["head_dim"]
        self.register_buffer("inv_freq", 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2).float() / d)), persistent=False)
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings"):
            self.lm_head.weight = self.embed.weight

    def forward(self, input_ids):
        t = input_ids.shape[1]
        freqs = torch.outer(torch.arange(t, device=input_ids.device).float(), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        x = self.embed(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.norm(x))


def init_weights(model, std):
    """transformers' _init_weights: Linear/Embedding normal(0, initializer_range), biases 0, norms 1."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, std)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)


# ---- building and stepping ----

def build(model_name, config, impl):
    """Returns (module, forward(batch) -> loss, impl used)."""
    if impl in ("auto", "transformers"):
        try:
            import transformers
        except ImportError:
            if impl == "transformers":
                raise
        else:
            if config["model_type"] == "llama":
                cfg = transformers.LlamaConfig(**{k: v for k, v in config.items() if k != "model_type"})
                model = transformers.LlamaForCausalLM(cfg)
                return model, lambda b: model(input_ids=b["input_ids"], labels=b["input_ids"]).loss, f"transformers {transformers.__version__}"
            cfg = transformers.BertConfig(**{k: v for k, v in config.items() if k != "model_type"})
            model = transformers.BertForSequenceClassification(cfg)
            return model, lambda b: model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss, f"transformers {transformers.__version__}"
    if config["model_type"] == "llama":
        c = dict(config)
        c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
        model = LlamaLm(c)
        init_weights(model, c.get("initializer_range", 0.02))

        def lm_loss(b):
            logits = model(b["input_ids"])
            return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), b["input_ids"][:, 1:].reshape(-1))
        return model, lm_loss, "torch.nn (this script)"
    model = BertClassifier(config)
    init_weights(model, config.get("initializer_range", 0.02))
    return model, lambda b: F.cross_entropy(model(b["input_ids"], b["attention_mask"]).float(), b["labels"]), "torch.nn (this script)"


def measure(shape, precision, device, warmup, steps, impl, seed=42):
    torch.manual_seed(seed)
    config = shape["config"]
    model, loss_of, impl_used = build(config["model_type"], config, impl)
    model.to(device).train()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    b, t, vocab = shape["batch"], shape["seq"], config["vocab_size"]
    batches = [
        {
            "input_ids": torch.randint(1, vocab, (b, t), device=device),
            "attention_mask": torch.ones(b, t, dtype=torch.long, device=device),
            "labels": torch.randint(0, config.get("num_labels", 2), (b,), device=device),
        }
        for _ in range(4)
    ]
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def step(i):
        with autocast:
            loss = loss_of(batches[i % len(batches)])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    for i in range(warmup):
        step(i)
    sync()
    start = time.perf_counter()
    for i in range(steps):
        loss = step(warmup + i)
    sync()
    seconds = time.perf_counter() - start
    samples = steps * b / seconds
    result = {
        "side": "torch", "precision": precision, "impl": impl_used, "device": device_name(device), "params": params,
        "warmupSteps": warmup, "timedSteps": steps, "seconds": seconds,
        "samplesPerSecond": samples, "tokensPerSecond": samples * t, "lastLoss": float(loss.detach()),
    }
    del model, optimizer, batches
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def device_name(device):
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return f"CPU (torch has no CUDA), {torch.get_num_threads()} threads"


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("shapes")
    parser.add_argument("scale")
    parser.add_argument("model")
    parser.add_argument("warmup", type=int)
    parser.add_argument("steps", type=int)
    parser.add_argument("--impl", default="auto", choices=["auto", "torch", "transformers"])
    parser.add_argument("--precision", default="fp32,bf16")
    args = parser.parse_args(argv)
    with open(args.shapes) as f:
        shape = json.load(f)[args.scale][args.model]
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    results = []
    for precision in args.precision.split(","):
        if precision == "bf16" and not cuda:
            results.append({"side": "torch", "precision": "bf16", "skipped": "bf16 autocast is measured on CUDA only; torch has no CUDA here"})
            continue
        results.append(measure(shape, precision, device, args.warmup, args.steps, args.impl))
    print("RESULT " + json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda if cuda else None, "results": results}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
