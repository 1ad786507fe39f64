/**
 * Reading decoder folders as transformers reads them: key spellings, tied heads, transformers 4 and 5
 * RoPE settings, and configs that must be refused with the file named
 * (fixtures: `.venv/bin/python scripts/make-lm-fixtures.py`).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeSafetensors, encodeSafetensors, type SafetensorEntry } from '../../../../src/trainer/io/safetensors';
import { decoderParameterCount, readDecoderConfig } from '../../../../src/trainer/models/hf/decoder-config';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { LM_FIXTURES, fixtureDir, golden, goldenLogits, maxAbsDiff, paddedBatch } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fts-lm-${name}-`));
  cpSync(fixtureDir(name), dir, { recursive: true });
  return dir;
}

function rewriteConfig(dir: string, change: (json: Record<string, unknown>) => Record<string, unknown>): void {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(change(JSON.parse(readFileSync(path, 'utf8')))));
}

async function logitsDiff(dir: string, name: string): Promise<number> {
  const g = golden(name);
  const { model } = await loadHfCausalLm(dir);
  const batch = paddedBatch(g.encodings.map((e) => e.input_ids), g.pad_token_id);
  const logits = model.forward(batch).logits;
  const diff = maxAbsDiff(await logits.data(), goldenLogits(name).data);
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return diff;
}

test('gpt2: a GPT2Model file (no transformer. prefix) with attn.bias buffers and a stored tied lm_head loads as transformers loads it', async () => {
  const dir = copyFixture('gpt2');
  const file = join(dir, 'model.safetensors');
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  const out: Record<string, SafetensorEntry> = {};
  for (const [key, entry] of Object.entries(tensors)) out[key.replace(/^transformer\./, '')] = entry;
  out['h.0.attn.bias'] = { dtype: 'F32', shape: [1, 1, 2, 2], data: new Float32Array(4) };
  out['lm_head.weight'] = tensors['transformer.wte.weight'];
  writeFileSync(file, encodeSafetensors(out));
  const { model, report } = await loadHfCausalLm(dir);
  model.dispose();
  assert.deepEqual(report, { initialised: [], unused: [] });
  assert.ok((await logitsDiff(dir, 'gpt2')) < 1e-5);
  rmSync(dir, { recursive: true });
});

test('llama: the transformers 4 spelling (rope_theta, rope_scaling) reads like rope_parameters; qwen2 with linear scaling written the old way gives the same logits', async () => {
  const dir = copyFixture('qwen2');
  rewriteConfig(dir, ({ rope_parameters: _rope, layer_types: _types, ...json }) => ({ ...json, rope_theta: 1000000.0, rope_scaling: { type: 'linear', factor: 2.0 } }));
  assert.ok((await logitsDiff(dir, 'qwen2')) < 1e-5);
  rmSync(dir, { recursive: true });
});

test('an unsupported rope_scaling type is refused naming the file and the supported types', () => {
  for (const key of ['rope_scaling', 'rope_parameters']) {
    assert.throws(
      () => readDecoderConfig({ model_type: 'llama', [key]: { rope_type: 'yarn', factor: 4, rope_theta: 10000 } }, '/m/config.json'),
      /\/m\/config\.json: rope_(scaling|parameters) type "yarn" is not supported; supported: default, linear/,
    );
  }
});

test('config defaults and sizes follow transformers: GQA, head_dim, biases, tied heads, sliding windows', () => {
  const mistral = readDecoderConfig({ model_type: 'mistral', hidden_size: 64, num_attention_heads: 8, num_hidden_layers: 2 }, 'c.json');
  assert.equal(mistral.numKeyValueHeads, 8);
  assert.deepEqual(mistral.slidingWindows, [4096, 4096]);
  assert.equal(mistral.headDim, 8);
  const qwen = readDecoderConfig({ model_type: 'qwen2', hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 2, num_hidden_layers: 3, use_sliding_window: true, sliding_window: 16, max_window_layers: 1 }, 'c.json');
  assert.deepEqual(qwen.slidingWindows, [undefined, 16, 16]);
  assert.equal(qwen.qkvBias, true);
  assert.equal(qwen.outputBias, false);
  const llama = readDecoderConfig({ model_type: 'llama', attention_bias: true }, 'c.json');
  assert.equal(llama.qkvBias && llama.outputBias, true);
  assert.throws(() => readDecoderConfig({ model_type: 'llama', hidden_size: 64, num_attention_heads: 8, num_key_value_heads: 3 }, 'c.json'), /num_key_value_heads \(3\) must divide num_attention_heads \(8\)/);
});

for (const name of LM_FIXTURES) {
  test(`${name}: the parameter count from config.json equals the built model's`, async () => {
    const { model } = await loadHfCausalLm(fixtureDir(name));
    assert.equal(decoderParameterCount(model.hf.checkpoint), model.parameterCounts().total);
    model.dispose();
  });
}

test('a weight whose shape does not fit config.json names the shard and the sizes', async () => {
  const dir = copyFixture('llama');
  rewriteConfig(dir, (json) => ({ ...json, intermediate_size: 40 }));
  await assert.rejects(loadHfCausalLm(dir), /model-0000\d-of-00003\.safetensors: tensor "model\.layers\.0\.mlp\.\w+_proj\.weight" has shape \[\d+, \d+\] but .*config\.json \(.*intermediate 40\) needs/);
  rmSync(dir, { recursive: true });
});

test('llama: an untied checkpoint without lm_head.weight gets a new one, reported', async () => {
  const dir = copyFixture('llama');
  const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
  const shard = join(dir, index.weight_map['lm_head.weight']);
  const { tensors } = decodeSafetensors(readFileSync(shard), shard);
  delete tensors['lm_head.weight'];
  writeFileSync(shard, encodeSafetensors(tensors));
  const { model, report } = await loadHfCausalLm(dir);
  model.dispose();
  assert.deepEqual(report.initialised, ['lm_head.weight']);
  rmSync(dir, { recursive: true });
});
