"""PyTorch peer of bench/trainer.ts: the same three models, data sizes and step, in torch.nn.

One cell per process (bench/trainer.ts starts it), so ru_maxrss is this cell's peak RSS.
Prints one line `RESULT {json}` with the same fields as a tfjs cell.

The step is what HF's Trainer does on CPU: index a batch out of the dataset tensors, forward in
train mode (dropout 0.1), CrossEntropyLoss, backward, clip_grad_norm_(1.0), AdamW.step(),
zero_grad(set_to_none=True). The models mirror src/trainer/models/architectures.ts op for op.

For bert-mini and smollm the step is HF's own: transformers' Trainer.train() on the checkpoint
that bench/make_bert_mini.py or bench/make_smollm.py wrote (--checkpoint), timed per optimizer
step by a TrainerCallback.

    .venv/bin/python bench/torch_models.py --model mlp|text|transformer|bert-mini|smollm|matmul --threads N
        [--warmup-ms 500] [--budget-ms 4000] [--checkpoint <folder>]
"""

import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

SEED = 42
VOCAB = 5000
SEQ = 64
ROWS = 2048
DROPOUT = 0.1
BATCH = {"mlp": 64, "text": 32, "transformer": 32, "bert-mini": 16, "smollm": 4}
BERT_SEQ = 128


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 256)
        self.classifier = nn.Linear(256, 10)

    def forward(self, features, mask=None):
        return self.classifier(F.dropout(F.relu(self.hidden(features)), DROPOUT, self.training))


def masked_mean_pool(x, mask):
    weights = mask.unsqueeze(-1)
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1)


class TextClassifier(nn.Module):
    def __init__(self, dim=64, labels=2):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, dim)
        self.classifier = nn.Linear(dim, labels)

    def forward(self, ids, mask):
        pooled = masked_mean_pool(self.embedding(ids), mask)
        return self.classifier(F.dropout(pooled, DROPOUT, self.training))


class TransformerEncoder(nn.Module):
    """Post-norm encoder block as ours: q/k/v/out projections, tanh-GELU FFN, LayerNorm eps 1e-5."""

    def __init__(self, dim=64, heads=4, ff=128, labels=2):
        super().__init__()
        self.dim, self.heads = dim, heads
        self.tokens = nn.Embedding(VOCAB, dim)
        self.positions = nn.Parameter(torch.randn(SEQ, dim) * 0.05)
        self.query, self.key, self.value, self.output = (nn.Linear(dim, dim) for _ in range(4))
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.intermediate, self.ffn_output = nn.Linear(dim, ff), nn.Linear(ff, dim)
        self.classifier = nn.Linear(dim, labels)

    def forward(self, ids, mask):
        b, length = ids.shape
        head_dim = self.dim // self.heads
        key_bias = ((1 - mask) * -1e9).view(b, 1, 1, length)

        def split(x):
            return x.view(b, length, self.heads, head_dim).transpose(1, 2)

        h = F.dropout(self.tokens(ids) + self.positions[:length], DROPOUT, self.training)
        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim) + key_bias
        attention = F.dropout(scores.softmax(-1), DROPOUT, self.training)
        context = (attention @ v).transpose(1, 2).reshape(b, length, self.dim)
        h = self.norm1(h + F.dropout(self.output(context), DROPOUT, self.training))
        ff = self.ffn_output(F.gelu(self.intermediate(h), approximate="tanh"))
        h = self.norm2(h + F.dropout(ff, DROPOUT, self.training))
        return self.classifier(F.dropout(masked_mean_pool(h, mask), DROPOUT, self.training))


def build(model_id, generator):
    if model_id == "mlp":
        inputs = torch.rand(ROWS, 784, generator=generator)
        labels = torch.randint(0, 10, (ROWS,), generator=generator)
        return Mlp(), inputs, None, labels
    ids = torch.randint(0, VOCAB, (ROWS, SEQ), generator=generator)
    mask = torch.ones(ROWS, SEQ)
    labels = torch.randint(0, 2, (ROWS,), generator=generator)
    model = TextClassifier() if model_id == "text" else TransformerEncoder()
    return model, ids, mask, labels


def blas_library():
    """The BLAS shared library this process mapped (torch's matmul loads it), by file name."""
    with open("/proc/self/maps") as maps:
        names = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line.lower()}
    if any("openblas" in n for n in names):
        return "OpenBLAS"
    if any("mkl" in n for n in names):
        return "MKL"
    if names:
        return "reference BLAS (" + ", ".join(sorted(names)) + ")"
    config = torch.__config__.show()
    return "BLAS per torch config: " + ("MKL" if "MKL" in config else "unknown")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed_loop(step, warmup_ms, budget_ms):
    """Median wall and CPU (process, all threads) seconds per step after a warm-up
    (>= 3 steps and warmup_ms), over budget_ms (>= 5 steps)."""
    start = time.perf_counter()
    steps, timed_since, last, last_cpu, times, cpu_times = 0, None, start, time.process_time(), [], []
    while True:
        step()
        now, cpu = time.perf_counter(), time.process_time()
        steps += 1
        if timed_since is None:
            if steps >= 3 and (now - start) * 1000 >= warmup_ms:
                timed_since = now
        else:
            times.append(now - last)
            cpu_times.append(cpu - last_cpu)
        last, last_cpu = now, cpu
        if timed_since is not None and (now - timed_since) * 1000 >= budget_ms and len(times) >= 5:
            return statistics.median(times), statistics.median(cpu_times), len(times)


def train_cell(model_id, warmup_ms, budget_ms):
    generator = torch.Generator().manual_seed(SEED)
    torch.manual_seed(SEED)
    model, inputs, mask, labels = build(model_id, generator)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0)
    batch = BATCH[model_id]
    order = torch.randperm(ROWS, generator=generator)
    position = [0]

    def step():
        start = position[0]
        if start + batch > ROWS:
            start = 0
        position[0] = start + batch
        index = order[start : start + batch]
        logits = model(inputs[index], mask[index] if mask is not None else None)
        loss = F.cross_entropy(logits, labels[index])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    seconds, cpu_seconds, timed = timed_loop(step, warmup_ms, budget_ms)
    return {"samplesPerSec": batch / seconds, "stepMs": seconds * 1000, "cpuStepMs": cpu_seconds * 1000, "timedSteps": timed}


def hf_trainer_cell(model_id, checkpoint, warmup_ms, budget_ms):
    """HF's Trainer.train() (AdamW, linear schedule, max_grad_norm 1, the checkpoint's dropout) on
    full-length rows: bert-mini classifies batch 16 x seq 128; smollm is LlamaForCausalLM, batch
    4 x seq 128, labels = input_ids (the model shifts them). Step times from on_step_begin to
    on_step_end, past a warm-up."""
    import transformers
    from torch.utils.data import Dataset
    from transformers import AutoConfig, AutoModelForCausalLM, BertForSequenceClassification, Trainer, TrainerCallback, TrainingArguments

    transformers.logging.set_verbosity_error()
    generator = torch.Generator().manual_seed(SEED)
    causal = model_id == "smollm"
    vocab = AutoConfig.from_pretrained(checkpoint).vocab_size
    ids = torch.randint(0, vocab, (ROWS, BERT_SEQ), generator=generator)
    labels = ids if causal else torch.randint(0, 2, (ROWS,), generator=generator)

    class Rows(Dataset):
        def __len__(self):
            return ROWS

        def __getitem__(self, i):
            return {"input_ids": ids[i], "attention_mask": torch.ones(BERT_SEQ, dtype=torch.long), "labels": labels[i]}

    class Clock(TrainerCallback):
        def __init__(self):
            self.start = time.perf_counter()
            self.times, self.cpu_times, self.timed_since = [], [], None

        def on_step_begin(self, args, state, control, **kwargs):
            self.t0, self.c0 = time.perf_counter(), time.process_time()

        def on_step_end(self, args, state, control, **kwargs):
            now = time.perf_counter()
            if self.timed_since is None:
                if state.global_step >= 3 and (now - self.start) * 1000 >= warmup_ms:
                    self.timed_since = now
                return
            self.times.append(now - self.t0)
            self.cpu_times.append(time.process_time() - self.c0)
            if (now - self.timed_since) * 1000 >= budget_ms and len(self.times) >= 5:
                control.should_training_stop = True

    import tempfile

    model = (AutoModelForCausalLM if causal else BertForSequenceClassification).from_pretrained(checkpoint)
    clock = Clock()
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=BATCH[model_id], max_steps=100_000, learning_rate=1e-3,
            logging_steps=500, save_strategy="no", eval_strategy="no", report_to=[], use_cpu=True,
            dataloader_num_workers=0, seed=SEED, disable_tqdm=True,
        )
        Trainer(model=model, args=args, train_dataset=Rows(), callbacks=[clock]).train()
    seconds, cpu_seconds = statistics.median(clock.times), statistics.median(clock.cpu_times)
    return {"samplesPerSec": BATCH[model_id] / seconds, "stepMs": seconds * 1000, "cpuStepMs": cpu_seconds * 1000, "timedSteps": len(clock.times)}


def matmul_cell(budget_ms):
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    figures = {}
    for name, right in (("nn", b), ("nt", b.t())):
        def once():
            return a @ right
        seconds, _, _ = timed_loop(once, 200, budget_ms)
        figures[name] = 2 * 1024**3 / seconds / 1e9
    return {"matmul": figures}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=["mlp", "text", "transformer", "bert-mini", "smollm", "matmul"])
    parser.add_argument("--checkpoint", help="bert-mini, smollm: the folder bench/make_bert_mini.py / make_smollm.py wrote")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup-ms", type=float, default=500)
    parser.add_argument("--budget-ms", type=float, default=4000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        if args.model == "matmul":
            result = matmul_cell(args.budget_ms)
        elif args.model in ("bert-mini", "smollm"):
            result = hf_trainer_cell(args.model, args.checkpoint, args.warmup_ms, args.budget_ms)
        else:
            result = train_cell(args.model, args.warmup_ms, args.budget_ms)
        device = f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
        result.update(ok=True, device=device, blas=blas_library(), rssMb=peak_rss_mb())
    except Exception as error:  # reported as the cell's error; the bench goes on
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
