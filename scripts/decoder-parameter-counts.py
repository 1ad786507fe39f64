"""Parameter counts of public decoder shapes, for the memory plan's test (test/unit/trainer/memory/decoder-plan.test.ts).

Builds each causal LM from its config.json sizes on torch's meta device (no weights, no download) and prints
transformers' num_parameters() and PEFT's get_nb_trainable_parameters() with LoRA r=8 on PEFT's default
target modules and on all-linear, as JSON lines. Run: .venv/bin/python scripts/decoder-parameter-counts.py
"""
import json

import torch
import transformers
from peft import LoraConfig, get_peft_model

SHAPES = {
    'gpt2': dict(model_type='gpt2'),
    'llama-2-7b': dict(model_type='llama', hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32, vocab_size=32000),
    'mistral-7b': dict(model_type='mistral', hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8, vocab_size=32000),
    'qwen2-0.5b': dict(model_type='qwen2', hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2, vocab_size=151936, tie_word_embeddings=True, max_position_embeddings=32768),
}

for name, sizes in SHAPES.items():
    sizes = dict(sizes)
    config = transformers.AutoConfig.for_model(sizes.pop('model_type'), **sizes)
    with torch.device('meta'):
        model = transformers.AutoModelForCausalLM.from_config(config)
    row = {'name': name, 'parameters': model.num_parameters()}
    for label, targets in (('lora_default', None), ('lora_all_linear', 'all-linear')):
        peft_model = get_peft_model(model, LoraConfig(r=8, target_modules=targets, task_type='CAUSAL_LM'))
        trainable, total = peft_model.get_nb_trainable_parameters()
        row[label] = {'trainable': trainable, 'total': total}
        model = peft_model.unload()
    print(json.dumps(row), flush=True)
