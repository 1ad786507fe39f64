"""Writes a randomly initialised BERT-mini-shaped checkpoint (google/bert_uncased_L-4_H-256_A-4's
config: 4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522) in HF format, for the
bench: our Trainer loads it with model.from_pretrained, PyTorch with from_pretrained, so both
train the same model from the same weights. Deterministic (seed 42).

    .venv/bin/python bench/make_bert_mini.py <folder>
"""

import sys

import torch
from transformers import BertConfig, BertForSequenceClassification


def main():
    folder = sys.argv[1]
    torch.manual_seed(42)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=1024,
        max_position_embeddings=512,
        num_labels=2,
    )
    BertForSequenceClassification(config).save_pretrained(folder, safe_serialization=True)


if __name__ == "__main__":
    main()
