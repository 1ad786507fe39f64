"""
Tiny random Hugging Face checkpoints (BERT, RoBERTa, DistilBERT) and the golden values that the
parity tests in test/unit/trainer/hf compare against, all made with the real transformers,
tokenizers and torch.

    .venv/bin/python scripts/make-hf-fixtures.py            # writes test/fixtures/hf/
    .venv/bin/python scripts/make-hf-fixtures.py --example  # writes examples/bert-classifier/model

Each fixture folder holds what the Hub would serve (config.json, model.safetensors or shards with
model.safetensors.index.json, tokenizer.json, tokenizer_config.json), plus:
  train.jsonl        the rows trained on (8 rows: one full batch)
  golden.json        token ids, logits, eval_loss and the training recipe
  trained/           the weights after 3 AdamW steps of transformers' Trainer on train.jsonl
Weights are drawn wide (not the 0.02 of initializer_range) so that an approximate GELU, a wrong
LayerNorm epsilon or a missing mask shows in the logits.
"""
import argparse
import json
import os
import random
import shutil
import sys

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
import transformers
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    DataCollatorWithPadding,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaTokenizerFast,
    Trainer,
    TrainingArguments,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ".venv/bin/python scripts/make-hf-fixtures.py"

POSITIVE = ["great", "wonderful", "delightful", "brilliant", "moving", "charming", "superb", "fun", "lovely", "excellent"]
NEGATIVE = ["terrible", "boring", "awful", "dull", "clumsy", "tedious", "bad", "weak", "messy", "painful"]
NEUTRAL = ["long", "french", "quiet", "late", "recent", "short", "modern", "old", "black", "local"]
SUBJECTS = ["the movie", "this film", "the plot", "the acting", "the ending", "her performance", "the script", "the music"]
VERBS = ["was", "is", "felt", "seemed", "looked"]
ADVERBS = ["", "really ", "quite ", "truly ", "very "]

# Fixed inputs for token ids and logits: a long row (truncated), accents, punctuation, an unknown word.
TEXTS = [
    "The movie was great fun!",
    "A terrible, boring film.",
    "Zyzzyva watched it twice in Montréal; the ending seemed really long and the music was very quiet, "
    "while the acting felt clumsy and the plot looked old and messy, yet her performance was superb.",
    "ok",
]
PAIRS = [
    "It was wonderful.",
    "The script is dull",
    "Short.",
    "the music was lovely and the ending was excellent, the plot was charming and the acting was brilliant",
]
TRAIN_STEPS = 3
LEARNING_RATE = 5e-4
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 0.5


def sentence(rng, words):
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(ADVERBS)}{rng.choice(words)}".capitalize() + rng.choice([".", "!", ""])


def corpus(rng, n):
    rows = []
    for _ in range(n):
        kind = rng.randrange(3)
        rows.append((sentence(rng, [NEGATIVE, NEUTRAL, POSITIVE][kind]), kind))
    return rows


def tokenizer_corpus():
    rng = random.Random(7)
    texts = [t for t, _ in corpus(rng, 400)] + TEXTS + PAIRS
    return texts + [" ".join(POSITIVE + NEGATIVE + NEUTRAL)] * 3


def wordpiece_tokenizer(vocab_size, model_max_length):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=None, clean_text=True, handle_chinese_chars=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(tokenizer_corpus(), trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    tok.decoder = decoders.WordPiece()
    return BertTokenizerFast(tokenizer_object=tok, model_max_length=model_max_length, do_lower_case=True)


def bytelevel_bpe_tokenizer(vocab_size, model_max_length):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.train_from_iterator(
        tokenizer_corpus(),
        trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
    )
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return RobertaTokenizerFast(tokenizer_object=tok, model_max_length=model_max_length)


def randomise(model, seed):
    """Wide random weights: N(0, 0.3) matrices and biases, LayerNorm weights around 1."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=gen)
            if "LayerNorm.weight" in name or "layer_norm.weight" in name:
                p.copy_(1 + 0.2 * noise)
            else:
                p.copy_(0.3 * noise)


def train_rows(rng, task, pairs):
    rows = []
    for text, kind in corpus(rng, 8):
        row = {"text": text}
        if pairs:
            row["text_pair"] = sentence(rng, [NEGATIVE, NEUTRAL, POSITIVE][rng.randrange(3)])
        if task == "single":
            row["label"] = ["negative", "neutral", "positive"][kind]
        elif task == "multi":
            row["label"] = sorted({["negative", "neutral", "positive"][kind], rng.choice(["negative", "neutral", "positive"])})
        else:
            row["label"] = round(kind - 1 + 0.25 * rng.random(), 3)
        rows.append(row)
    return rows


def encode_label(row, task, label2id):
    if task == "single":
        return label2id[row["label"]]
    if task == "multi":
        vec = [0.0] * len(label2id)
        for name in row["label"]:
            vec[label2id[name]] = 1.0
        return vec
    return float(row["label"])


def tokenize(tok, texts, pairs, max_length):
    if pairs is None:
        return [tok(t, truncation=True, max_length=max_length) for t in texts]
    return [tok(t, p, truncation=True, max_length=max_length) for t, p in zip(texts, pairs)]


def as_batch(tok, encodings):
    return DataCollatorWithPadding(tok)([dict(e) for e in encodings])


def make_fixture(name, model_cls, config, tok, task, use_pairs, max_length, save_kwargs, out_root):
    out = os.path.join(out_root, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    torch.manual_seed(0)
    model = model_cls(config).eval()
    randomise(model, seed=len(name))
    dtype = save_kwargs.pop("dtype", None)
    if dtype is not None:
        # The goldens are those of the float32 model whose weights went through the saved precision.
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.to(dtype).to(torch.float32))
        model.to(dtype).save_pretrained(out, **save_kwargs)
        model.to(torch.float32)
    else:
        model.save_pretrained(out, **save_kwargs)
    tok.save_pretrained(out)

    # Everything below reads the folder back as a user of transformers would.
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForSequenceClassification.from_pretrained(out, dtype=torch.float32).eval()
    label2id = model.config.label2id

    pairs = PAIRS if use_pairs else None
    encodings = tokenize(tok, TEXTS, pairs, max_length)
    batch = as_batch(tok, encodings)
    with torch.no_grad():
        logits = model(**batch).logits

    rng = random.Random(len(name) * 31)
    rows = train_rows(rng, task, use_pairs)
    with open(os.path.join(out, "train.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    features = tokenize(tok, [r["text"] for r in rows], [r["text_pair"] for r in rows] if use_pairs else None, max_length)
    dataset = []
    for feature, row in zip(features, rows):
        item = dict(feature)
        item["labels"] = encode_label(row, task, label2id)
        dataset.append(item)
    train_batch = as_batch(tok, dataset)
    with torch.no_grad():
        eval_loss = model(**train_batch).loss.item()

    args = TrainingArguments(
        output_dir=os.path.join("/tmp", f"hf-fixture-{name}"),
        per_device_train_batch_size=len(dataset),
        max_steps=TRAIN_STEPS,
        learning_rate=LEARNING_RATE,
        weight_decay=WEIGHT_DECAY,
        max_grad_norm=MAX_GRAD_NORM,
        lr_scheduler_type="constant",
        optim="adamw_torch",
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=DataCollatorWithPadding(tok))
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    grad_norms = [e["grad_norm"] for e in trainer.state.log_history if "grad_norm" in e]
    trainer.save_model(os.path.join(out, "trained"))
    for extra in ("training_args.bin",):
        path = os.path.join(out, "trained", extra)
        if os.path.exists(path):
            os.remove(path)

    golden = {
        "generated_by": COMMAND,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "model_type": config.model_type,
        "task": {"single": "single_label_classification", "multi": "multi_label_classification", "regression": "regression"}[task],
        "max_length": max_length,
        "texts": TEXTS,
        "pairs": pairs,
        "encodings": [{k: list(v) for k, v in e.items()} for e in encodings],
        "logits": logits.tolist(),
        "train_eval_loss": eval_loss,
        "train": {
            "steps": TRAIN_STEPS,
            "learning_rate": LEARNING_RATE,
            "weight_decay": WEIGHT_DECAY,
            "max_grad_norm": MAX_GRAD_NORM,
            "lr_scheduler_type": "constant",
            "batch_size": len(dataset),
            "losses": losses,
            "grad_norms": grad_norms,
        },
    }
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(out) for x in xs)
    print(f"{out}: {size // 1024} KB, eval_loss {eval_loss:.6f}, losses {losses}", file=sys.stderr)


def fixtures(out_root):
    labels3 = {"id2label": {0: "negative", 1: "neutral", 2: "positive"}, "label2id": {"negative": 0, "neutral": 1, "positive": 2}}
    no_dropout = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    small = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 48}

    bert_tok = wordpiece_tokenizer(300, 512)
    bert = BertConfig(vocab_size=len(bert_tok), max_position_embeddings=40, type_vocab_size=2, num_labels=3, **small, **no_dropout, **labels3)
    make_fixture("bert", BertForSequenceClassification, bert, bert_tok, "single", True, 24, {}, out_root)

    roberta_tok = bytelevel_bpe_tokenizer(400, 512)
    roberta = RobertaConfig(
        vocab_size=len(roberta_tok), max_position_embeddings=34, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
        layer_norm_eps=1e-5, hidden_act="gelu_new", problem_type="multi_label_classification", num_labels=3, classifier_dropout=None,
        **small, **no_dropout, **labels3,
    )
    make_fixture("roberta", RobertaForSequenceClassification, roberta, roberta_tok, "multi", False, 20, {"max_shard_size": "60KB"}, out_root)

    distil_tok = wordpiece_tokenizer(300, 24)
    distil = DistilBertConfig(
        vocab_size=len(distil_tok), max_position_embeddings=40, dim=32, n_layers=2, n_heads=4, hidden_dim=48, activation="gelu",
        dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0, num_labels=1,
    )
    make_fixture("distilbert", DistilBertForSequenceClassification, distil, distil_tok, "regression", False, 24, {"dtype": torch.float16}, out_root)


def example(out):
    """examples/bert-classifier: an untrained BERT-style checkpoint (transformers' own initialisation,
    dropout 0.1) with its tokenizer, and review data whose sentiment words decide the label."""
    model_dir = os.path.join(out, "model")
    shutil.rmtree(model_dir, ignore_errors=True)
    tok = wordpiece_tokenizer(400, 64)
    config = BertConfig(
        vocab_size=len(tok), hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128,
        max_position_embeddings=64, num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"}, label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    names = ["negative", "neutral", "positive"]
    rng = random.Random(11)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    for split, n in (("train", 600), ("valid", 150)):
        with open(os.path.join(out, "data", f"{split}.jsonl"), "w") as f:
            for text, kind in corpus(rng, n):
                f.write(json.dumps({"text": text, "label": names[kind]}) + "\n")
    size = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(out) for x in xs)
    print(f"{out}: {size // 1024} KB", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=None)
    parser.add_argument("--example", action="store_true", help="write examples/bert-classifier instead of the test fixtures")
    options = parser.parse_args()
    torch.set_num_threads(1)
    if options.example:
        example(options.out or os.path.join(ROOT, "examples", "bert-classifier"))
    else:
        fixtures(options.out or os.path.join(ROOT, "test", "fixtures", "hf"))


if __name__ == "__main__":
    main()
