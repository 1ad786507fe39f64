"""Writes a randomly initialised SmolLM-shaped checkpoint for the bench: SmolLM2-135M's layer
shape (LlamaForCausalLM, hidden 576, 9 heads with 3 key/value heads, intermediate 1536, SiLU,
RMSNorm eps 1e-5, RoPE theta 100000, tied embeddings) with 4 layers instead of 30 and an 8192
vocabulary instead of 49152, so that a bench cell trains a few steps in seconds. Our Trainer
loads it with loadHfCausalLm, PyTorch with from_pretrained: both train the same weights.
Deterministic (seed 42).

    .venv/bin/python bench/make_smollm.py <folder>
"""

import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    folder = sys.argv[1]
    torch.manual_seed(42)
    config = LlamaConfig(
        vocab_size=8192,
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=4,
        num_attention_heads=9,
        num_key_value_heads=3,
        hidden_act="silu",
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        rope_theta=100000.0,
        tie_word_embeddings=True,
        attention_bias=False,
        mlp_bias=False,
    )
    LlamaForCausalLM(config).save_pretrained(folder, safe_serialization=True)


if __name__ == "__main__":
    main()
