/**
 * The memory plan of decoder (causal-LM) checkpoints: parameter counts from config.json against
 * transformers and PEFT (golden values printed by scripts/decoder-parameter-counts.py, which builds
 * each model on torch's meta device), the parameter table against the models our loader builds, and
 * the decoder terms of the plan (the B×T×vocab logits, gradient checkpointing, LoRA's frozen embedding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainerConfig } from '../../../../src/config/schema';
import { planConfig, planLora } from '../../../../src/trainer/memory/config-plan';
import { activationBytes, BLOCK_FACTORS, BYTES_PER_VALUE } from '../../../../src/trainer/memory/estimate';
import { machineLimit, wasmLimit } from '../../../../src/trainer/memory/limits';
import { parametersFromShape, planRun, type PlanRequest } from '../../../../src/trainer/memory/plan';
import { parameterTable, transformerShape, type TransformerShape } from '../../../../src/trainer/memory/shape';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf';
import { readDecoderConfig } from '../../../../src/trainer/models/hf/decoder-config';
import { buildDecoder } from '../../../../src/trainer/models/hf/decoders';
import { LoraAdapters } from '../../../../src/trainer/models/hf/lora';
import { resolveLora } from '../../../../src/trainer/models/hf/peft-config';
import { normal } from '../../../../src/trainer/models/init';
import { WeightStore } from '../../../../src/trainer/models/weights';
import { fixtureDir, LM_FIXTURES } from '../hf-lm/helpers';

/** config.json sizes of public checkpoints (the same dictionaries as scripts/decoder-parameter-counts.py). */
const SHAPES: Record<string, Record<string, unknown>> = {
  gpt2: { model_type: 'gpt2' },
  'llama-2-7b': { model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, vocab_size: 32000 },
  'mistral-7b': { model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8, vocab_size: 32000 },
  'qwen2-0.5b': { model_type: 'qwen2', hidden_size: 896, intermediate_size: 4864, num_hidden_layers: 24, num_attention_heads: 14, num_key_value_heads: 2, vocab_size: 151936, tie_word_embeddings: true, max_position_embeddings: 32768 },
};

/** scripts/decoder-parameter-counts.py's output (transformers 5.18, peft 0.21): num_parameters(), and trainable/all with LoRA r=8. */
const GOLDEN: Record<string, { parameters: number; lora_default: [number, number]; lora_all_linear: [number, number] }> = {
  gpt2: { parameters: 124_439_808, lora_default: [294_912, 124_734_720], lora_all_linear: [1_179_648, 125_619_456] },
  'llama-2-7b': { parameters: 6_738_415_616, lora_default: [4_194_304, 6_742_609_920], lora_all_linear: [19_988_480, 6_758_404_096] },
  'mistral-7b': { parameters: 7_241_732_096, lora_default: [3_407_872, 7_245_139_968], lora_all_linear: [20_971_520, 7_262_703_616] },
  'qwen2-0.5b': { parameters: 494_032_768, lora_default: [540_672, 494_573_440], lora_all_linear: [4_399_104, 498_431_872] },
};

const shapeOf = (json: Record<string, unknown>) => transformerShape(json, 'config.json');
const loraOf = (shape: TransformerShape, targetModules?: string) => resolveLora({ r: 8, ...(targetModules ? { target_modules: targetModules } : {}) }, shape.modelType, 'CAUSAL_LM', 'test');

for (const [name, json] of Object.entries(SHAPES)) {
  test(`${name}: parameters, and LoRA r=8's trainable/all (default targets and all-linear), equal transformers' and PEFT's`, () => {
    const shape = shapeOf(json);
    const golden = GOLDEN[name];
    assert.equal(parametersFromShape(shape).total, golden.parameters, 'tied embeddings, GQA k/v heads, SwiGLU, q/k/v biases as transformers builds them');
    for (const [key, targets] of [['lora_default', undefined], ['lora_all_linear', 'all-linear']] as const) {
      const counts = parametersFromShape(shape, { lora: loraOf(shape, targets) });
      assert.deepEqual([counts.trainable, counts.total], golden[key], key);
      assert.equal(counts.embeddingTrainable, false, 'LoRA freezes the embedding');
    }
  });
}

for (const name of LM_FIXTURES) {
  test(`${name}: the parameter table names and sizes every weight the decoder loader builds`, async () => {
    await tf.setBackend('cpu');
    const json = JSON.parse(readFileSync(join(fixtureDir(name), 'config.json'), 'utf8')) as Record<string, unknown>;
    const { model } = await loadHfCausalLm(fixtureDir(name));
    try {
      const built = model.weights().map((w) => [w.name, w.variable.size] as const).sort();
      const table = parameterTable(shapeOf(json)).map((p) => [p.name, p.size] as const).sort();
      assert.deepEqual(table, built);
    } finally {
      model.dispose();
    }
  });
}

test('LoRA on the tiny Llama: the planned trainable and total counts equal the adapters our LoRA code builds (all-linear, bias lora_only)', async () => {
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(join(fixtureDir('llama'), 'config.json'), 'utf8')) as Record<string, unknown>;
  const config = readDecoderConfig(json, 'config.json');
  const settings = resolveLora({ r: 4, target_modules: 'all-linear', bias: 'lora_only' }, 'llama', 'CAUSAL_LM', 'test');
  const store = new WeightStore(1, []);
  const lora = new LoraAdapters(settings, ['lm_head'], store);
  buildDecoder(config, lora.factory((name, shape) => store.add(name, shape, normal(0.02))));
  try {
    const weights = store.all();
    for (const { name, variable } of weights) variable.trainable = lora.isTrainable(name);
    const planned = parametersFromShape(shapeOf(json), { lora: settings });
    assert.equal(planned.total, weights.reduce((n, w) => n + w.variable.size, 0));
    assert.equal(planned.trainable, weights.filter((w) => w.variable.trainable).reduce((n, w) => n + w.variable.size, 0));
  } finally {
    store.dispose();
  }
});

function decoderRequest(json: Record<string, unknown>, overrides: Partial<PlanRequest> = {}): PlanRequest {
  const shape = shapeOf(json);
  return {
    shape,
    parameters: parametersFromShape(shape),
    optim: 'adamw_torch',
    batchSize: 4,
    seqLength: 512,
    gradientAccumulationSteps: 1,
    gradientCheckpointing: false,
    dropout: true,
    lora: false,
    limit: wasmLimit(),
    alternatives: [machineLimit('cpu', 64 * 2 ** 30)],
    ...overrides,
  };
}

test('the logits B×T×vocab are a term of their own, and the largest tensor of a Qwen2 step', () => {
  const shape = shapeOf(SHAPES['qwen2-0.5b']);
  const step = { batchSize: 4, seqLength: 512, dropout: false, gradientCheckpointing: false };
  const withVocab = activationBytes(shape, step);
  const smallVocab = activationBytes({ ...shape, vocabSize: 1 }, step);
  const logits = BLOCK_FACTORS['gated-decoder'].logits * 4 * 512 * 151_936 * BYTES_PER_VALUE;
  const embedding = BLOCK_FACTORS['gated-decoder'].embeddingGrad * (151_936 - 1) * 896 * BYTES_PER_VALUE;
  // Qwen2-0.5B ties lm_head to embed_tokens: the head's [vocab, D] gradient is a term of its own too.
  assert.equal(shape.tiedEmbeddings, true);
  const tiedHead = BLOCK_FACTORS['gated-decoder'].tiedHeadGrad * (151_936 - 1) * 896 * BYTES_PER_VALUE;
  assert.ok(tiedHead > 0);
  assert.ok(Math.abs(withVocab - smallVocab - logits - embedding - tiedHead) < 1e3 + 4 * 512 * BLOCK_FACTORS['gated-decoder'].logits * BYTES_PER_VALUE);
  const { plan } = planRun(decoderRequest(SHAPES['qwen2-0.5b'], { batchSize: 4, seqLength: 512 }));
  assert.equal(plan.largestTensor.what, 'logits [4, 512, 151936]');
});

test('gradient checkpointing keeps one block of activations and is suggested for a decoder that fits with it', () => {
  const tiny = { model_type: 'llama', hidden_size: 768, intermediate_size: 2112, num_hidden_layers: 16, num_attention_heads: 12, num_key_value_heads: 3, vocab_size: 32000 };
  const request = decoderRequest(tiny, { batchSize: 4, seqLength: 128 });
  const plain = planRun(request);
  const checkpointed = planRun({ ...request, gradientCheckpointing: true }).plan;
  assert.ok(checkpointed.activations < plain.plan.activations / 3, `${checkpointed.activations} vs ${plain.plan.activations}`);
  assert.equal(plain.plan.fits, false);
  assert.deepEqual(plain.suggestions.map((s) => s.kind), ['lora', 'batch', 'gradient-checkpointing', 'backend']);
  const lora = plain.suggestions[0];
  assert.ok(lora.kind === 'lora');
  assert.deepEqual(lora.targetModules, ['q_proj', 'v_proj']);
  assert.ok(lora.plan.grads < plain.plan.grads / 100, 'only the adapters get gradients');
});

test('planConfig takes LoRA from peft: (PEFT defaults for the model type) and gradient checkpointing from training_args', () => {
  const shape = shapeOf(SHAPES['llama-2-7b']);
  const config = {
    model: {},
    peft: { peft_type: 'LORA', r: 8 },
    training_args: { optim: 'adamw_torch', per_device_train_batch_size: 1, gradient_accumulation_steps: 1, gradient_checkpointing: true },
  } as unknown as TrainerConfig;
  assert.deepEqual(planLora(config.peft, shape)?.targetModules, ['q_proj', 'v_proj']);
  const { plan } = planConfig({ config, shape, seqLength: 512, limit: machineLimit('cpu', 1e12), alternatives: [] });
  assert.equal(plan.grads, 4_194_304 * BYTES_PER_VALUE, 'PEFT\'s trainable params for Llama-2-7b r=8');
  assert.equal(plan.optimizer, 2 * plan.grads);
  assert.equal(plan.weights, 6_742_609_920 * BYTES_PER_VALUE);
  assert.equal(plan.gradientCheckpointing, true);
});
