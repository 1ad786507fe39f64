/**
 * The memory plan's arithmetic on known shapes: parameter counts of public checkpoints (the
 * figures transformers' `model.num_parameters()` prints for them), the parameter table against the
 * model our loader builds, optimizer slots against the optimizers, and the plan's verdicts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { estimateMemory, formatPlan, optimizerSlots, type MemoryLimit } from '../../../../src/trainer/memory/estimate';
import { wasmLimit, machineLimit, webGpuLimit } from '../../../../src/trainer/memory/limits';
import { parametersFromShape, planRun, describeRefusal, type PlanRequest } from '../../../../src/trainer/memory/plan';
import { parameterTable, transformerShape } from '../../../../src/trainer/memory/shape';
import { loadHfModel } from '../../../../src/trainer/models/hf';
import { createOptimizer } from '../../../../src/trainer/optimizers';
import { FIXTURE_NAMES, fixtureDir } from '../hf/helpers';

const BERT_BASE = { model_type: 'bert', vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2 };
const total = (json: Record<string, unknown>) => parameterTable(transformerShape(json, 'config.json', 2)).reduce((n, p) => n + p.size, 0);

test('parameter counts equal transformers\' for public checkpoints (sequence classification with 2 labels; LM heads)', () => {
  assert.equal(total(BERT_BASE), 109_483_778); // bert-base-uncased, BertForSequenceClassification
  assert.equal(total({ model_type: 'distilbert' }), 66_955_010); // distilbert-base-uncased
  assert.equal(total({ model_type: 'roberta', vocab_size: 50265, max_position_embeddings: 514, type_vocab_size: 1 }), 124_647_170); // roberta-base
  assert.equal(total({ model_type: 'gpt2' }), 124_439_808); // gpt2 (lm_head tied to wte)
  assert.equal(total({ model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32, vocab_size: 32000 }), 6_738_415_616); // Llama-2-7b
  assert.equal(
    total({ model_type: 'llama', hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 22, num_attention_heads: 32, num_key_value_heads: 4, vocab_size: 32000 }),
    1_100_048_384, // TinyLlama-1.1B (grouped-query attention)
  );
});

for (const name of FIXTURE_NAMES) {
  test(`${name}: the parameter table names and sizes every weight the loader builds`, async () => {
    await tf.setBackend('cpu');
    const json = JSON.parse(readFileSync(join(fixtureDir(name), 'config.json'), 'utf8')) as Record<string, unknown>;
    const { model } = await loadHfModel(fixtureDir(name));
    try {
      const built = model.weights().map((w) => [w.name, w.variable.size] as const).sort();
      const table = parameterTable(transformerShape(json, 'config.json')).map((p) => [p.name, p.size] as const).sort();
      assert.deepEqual(table, built);
    } finally {
      model.dispose();
    }
  });
}

test('optimizer slots equal what each optimizer allocates per trainable value', async () => {
  await tf.setBackend('cpu');
  const variable = tf.variable(tf.zeros([10]));
  const weights = [{ name: 'w', variable }];
  const base = { learning_rate: 0.1, weight_decay: 0, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8 };
  const cases: Array<[string, string | undefined]> = [['adamw_torch', undefined], ['sgd', undefined], ['sgd', 'momentum=0.9'], ['adagrad', undefined], ['rmsprop', undefined], ['rmsprop', 'centered=True,momentum=0.5']];
  for (const [optim, optimArgs] of cases) {
    const before = tf.memory().numTensors;
    const optimizer = createOptimizer({ ...base, optim: optim as 'sgd', optim_args: optimArgs }, weights);
    optimizer.applyGradients({ w: tf.ones([10]) });
    const allocated = tf.memory().numTensors - before - 1; // the gradient passed in
    assert.equal(optimizerSlots(optim, optimArgs), allocated, `${optim} ${optimArgs ?? ''}`);
    optimizer.dispose();
  }
  variable.dispose();
});

function bertBaseRequest(overrides: Partial<PlanRequest> = {}): PlanRequest {
  const shape = transformerShape({ ...BERT_BASE, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 }, 'config.json', 2);
  return {
    shape,
    parameters: parametersFromShape(shape),
    optim: 'adamw_torch',
    batchSize: 8,
    seqLength: 128,
    gradientAccumulationSteps: 1,
    gradientCheckpointing: false,
    dropout: true,
    lora: false,
    limit: wasmLimit(),
    alternatives: [machineLimit('cpu', 64 * 2 ** 30)],
    ...overrides,
  };
}

test('bert-base at batch 8 × 128 on wasm: weights 0.44 GB, grads 0.44, Adam 0.88, and the activations break 4 GiB', () => {
  const { plan, suggestions } = planRun(bertBaseRequest());
  assert.equal(plan.weights, 109_483_778 * 4);
  assert.equal(plan.grads, plan.weights);
  assert.equal(plan.optimizer, 2 * plan.weights);
  assert.ok(plan.activations > 4e9 && plan.activations < 7e9, `activations ${plan.activations}`);
  assert.equal(plan.fits, false);
  assert.match(formatPlan(plan), /^weights 0\.44 GB, grads 0\.44, Adam 0\.88, activations ≈ \d\.\d\d at batch 8 × 128: \d\.\d\d GB of 4 GiB \(wasm\)$/);
  const kinds = suggestions.map((s) => s.kind);
  assert.deepEqual(kinds, ['batch', 'backend'], 'LoRA alone still keeps the activations of batch 8 × 128; encoders do not checkpoint');
  for (const s of suggestions) assert.ok(s.plan.fits && s.plan.total <= (s.kind === 'backend' ? 64 * 2 ** 30 : wasmLimit().bytes));
  const batch = suggestions.find((s) => s.kind === 'batch');
  assert.ok(batch?.kind === 'batch');
  assert.equal(batch.batchSize * batch.gradientAccumulationSteps, 8, 'the effective batch is kept');
  assert.ok(batch.batchSize < 8 && 8 % batch.batchSize === 0);
  const message = describeRefusal({ plan, suggestions }, 'One training step');
  assert.match(message, /per_device_train_batch_size: \d with gradient_accumulation_steps: \d/);
  assert.match(message, /backend: cpu/);
});

test('LoRA is suggested when it alone fits, with its own estimate; with LoRA set it is not suggested again', () => {
  const request = bertBaseRequest({ batchSize: 2 });
  const full = planRun({ ...request, limit: { backend: 'wasm', bytes: 2.5e9, label: '2.5 GB (test)' } });
  const lora = full.suggestions.find((s) => s.kind === 'lora');
  assert.ok(lora?.kind === 'lora', JSON.stringify(full.suggestions.map((s) => s.kind)));
  assert.deepEqual(lora.targetModules, ['query', 'value']);
  // r·(in+out) for query and value in 12 layers, plus pooler and classifier trained in full? PEFT's SEQ_CLS trains `classifier` only.
  const adapters = 12 * 2 * 8 * (768 + 768);
  const head = 768 * 2 + 2;
  assert.equal(lora.plan.grads, (adapters + head) * 4);
  assert.equal(lora.plan.weights, (109_483_778 + adapters) * 4);
  const withLora = planRun({ ...request, lora: true, parameters: parametersFromShape(request.shape!, { lora: { r: 8, targetModules: ['query', 'value'] } }), limit: { backend: 'wasm', bytes: 1e9, label: '1 GB (test)' } });
  assert.ok(!withLora.suggestions.some((s) => s.kind === 'lora'));
});

test('frozen weights get no gradients or optimizer state; accumulation holds two sets of gradients', () => {
  const shape = transformerShape(BERT_BASE, 'config.json', 2);
  const frozen = parametersFromShape(shape, { freeze: ['bert.embeddings', 'bert.encoder.layer.*'] });
  assert.equal(frozen.trainable, 768 * 768 + 768 + 768 * 2 + 2);
  const limit: MemoryLimit = machineLimit('cpu', 1e12);
  const step = { batchSize: 1, seqLength: 8, dropout: false, gradientCheckpointing: false };
  const once = estimateMemory({ parameters: frozen, optim: 'adamw_torch', shape, step, gradientAccumulationSteps: 1, limit });
  assert.equal(once.optimizer, frozen.trainable * 8);
  const accumulated = estimateMemory({ parameters: frozen, optim: 'adamw_torch', shape, step, gradientAccumulationSteps: 4, limit });
  assert.equal(accumulated.grads, 2 * once.grads);
  const sgd = estimateMemory({ parameters: frozen, optim: 'sgd', shape, step, gradientAccumulationSteps: 1, limit });
  assert.equal(sgd.optimizer, 0);
});

test('gradient checkpointing keeps block inputs instead of every block\'s activations, and is suggested for decoders', () => {
  const shape = transformerShape({ model_type: 'gpt2' }, 'config.json');
  const request = bertBaseRequest({ shape, parameters: parametersFromShape(shape), batchSize: 1, seqLength: 512 });
  const plain = planRun(request);
  const checkpointed = planRun({ ...request, gradientCheckpointing: true }).plan;
  assert.ok(checkpointed.activations < plain.plan.activations / 2, `${checkpointed.activations} vs ${plain.plan.activations}`);
  const suggestion = plain.suggestions.find((s) => s.kind === 'gradient-checkpointing');
  assert.ok(suggestion, plain.suggestions.map((s) => s.kind).join());
  assert.match(describeRefusal(plain, 'gpt2'), /gradient_checkpointing: true \(recomputes each block in the backward pass\): [\d.]+ GB of 4 GiB \(wasm\)/);
});

test('WebGPU: a tensor larger than maxStorageBufferBindingSize does not fit even with memory to spare', () => {
  const limit = webGpuLimit({ maxBufferSize: 256 * 2 ** 20, maxStorageBufferBindingSize: 128 * 2 ** 20 }, 64 * 2 ** 30);
  const request = bertBaseRequest({ limit, alternatives: [] });
  const { plan } = planRun(request);
  // The word embedding [30522, 768] is 94 MB and fits; the [8, 128, 3072] MLP activations are 12.6 MB; scores 6.3 MB.
  assert.equal(plan.fits, true, plan.overflow);
  const long = planRun({ ...request, seqLength: 512, batchSize: 12 }).plan;
  assert.equal(long.fits, false);
  assert.match(long.overflow ?? '', /attention scores \[12, 12, 512, 512\].*maxStorageBufferBindingSize 128 MiB/);
});

test('a decoder\'s plan counts its [b, L, vocab] logits', () => {
  const shape = transformerShape({ model_type: 'llama', hidden_size: 2048, intermediate_size: 5632, num_hidden_layers: 22, num_attention_heads: 32, num_key_value_heads: 4, vocab_size: 32000 }, 'config.json');
  const parameters = parametersFromShape(shape);
  const step = { batchSize: 1, seqLength: 512, dropout: false, gradientCheckpointing: false };
  const plan = estimateMemory({ parameters, optim: 'adamw_torch', shape, step, gradientAccumulationSteps: 1, limit: wasmLimit() });
  assert.equal(plan.fits, false);
  assert.equal(plan.largestTensor.bytes, Math.max(4 * 512 * 32000, 4 * 32000 * 2048));
});

test('on pure wasm a plan above the heap over 1.55 fits with a caution; with the native kernels, or below it, without one', () => {
  const shape = transformerShape({ model_type: 'bert', vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 }, 'config.json');
  const parameters = parametersFromShape(shape);
  const plan = (batchSize: number, fusedKernels: boolean) =>
    estimateMemory({ parameters, optim: 'adamw_torch', shape, step: { batchSize, seqLength: 128, dropout: true, gradientCheckpointing: false, fusedKernels }, gradientAccumulationSteps: 1, limit: wasmLimit(fusedKernels) });
  // bert-base at 2 × 128: 3.36 GB live on pure wasm, which aborted at the 4 GiB heap (bench/memory.ts, FTS_NATIVE=0).
  const pure = plan(2, false);
  assert.equal(pure.fits, true);
  assert.match(pure.caution ?? '', /^about 3\.36 GB may still not fit: the pure wasm kernels hold up to 1\.55 × the live bytes .* above 2\.77 GB the heap can run out/);
  assert.equal(plan(2, true).caution, undefined, 'the native kernels: no packed copies, the plan as measured');
  assert.equal(plan(1, false).caution, undefined, `${formatPlan(plan(1, false))} is under the caution line`);
});

test('a smaller batch is suggested below the caution line when one exists (BERT-medium at 16 × 128 on pure wasm)', () => {
  const shape = transformerShape({ model_type: 'bert', vocab_size: 30522, hidden_size: 512, num_hidden_layers: 8, num_attention_heads: 8, intermediate_size: 2048 }, 'config.json');
  const request = (fusedKernels: boolean): PlanRequest => ({
    shape, parameters: parametersFromShape(shape), optim: 'adamw_torch', batchSize: 16, seqLength: 128, gradientAccumulationSteps: 1,
    gradientCheckpointing: false, dropout: true, lora: false, limit: wasmLimit(fusedKernels), alternatives: [],
  });
  const pure = planRun(request(false)).suggestions.find((s) => s.kind === 'batch');
  assert.ok(pure?.kind === 'batch');
  assert.equal(pure.plan.caution, undefined, formatPlan(pure.plan));
  // 8 × 2 fits the 4 GiB heap (3.44 GB, and it ran: bench/wasm-heap.ts) but is above 2.77 GB; 4 × 4 is below.
  assert.deepEqual([pure.batchSize, pure.gradientAccumulationSteps], [4, 4]);
  // The native kernels hold less: 16 × 128 itself fits there.
  assert.equal(planRun(request(true)).plan.fits, true);
});
