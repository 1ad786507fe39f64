/**
 * Loading Hugging Face folders: key spellings transformers accepts, heads, and bad checkpoints that
 * must fail with the file named. Fixtures: `.venv/bin/python scripts/make-hf-fixtures.py`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeSafetensors, encodeSafetensors, type SafetensorEntry } from '../../../../src/trainer/io/safetensors';
import { loadHfModel } from '../../../../src/trainer/models/hf/load';
import { parameterCount } from '../../../../src/trainer/models/hf/config';
import { fixtureDir, golden, maxAbsDiff, paddedBatch } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fts-hf-${name}-`));
  cpSync(fixtureDir(name), dir, { recursive: true });
  return dir;
}

function rewriteTensors(file: string, change: (tensors: Record<string, SafetensorEntry>) => Record<string, SafetensorEntry>): void {
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  writeFileSync(file, encodeSafetensors(change(tensors)));
}

/** Rewrites the JSON header of a safetensors file, keeping its data bytes. */
function rewriteHeader(file: string, change: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): void {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  change(header);
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([prefix, json, bytes.subarray(8 + length)]));
}

async function logitsOf(dir: string, name: string): Promise<number[]> {
  const { model } = await loadHfModel(dir);
  const batch = paddedBatch(golden(name), model.hf.checkpoint.padTokenId);
  const { logits } = model.forward(batch);
  const values = Array.from(await logits.data());
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return values;
}

test('keys without the bert. prefix, legacy LayerNorm.gamma/beta, buffers and a pretraining head load as transformers loads them', async () => {
  const dir = copyFixture('bert');
  rewriteTensors(join(dir, 'model.safetensors'), (tensors) => {
    const out: Record<string, SafetensorEntry> = {};
    for (const [key, entry] of Object.entries(tensors)) {
      const renamed = key.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      out[renamed] = entry;
    }
    out['cls.predictions.bias'] = { dtype: 'F32', shape: [3], data: new Float32Array(3) };
    out['embeddings.position_ids'] = { dtype: 'I32', shape: [1, 40], data: Int32Array.from({ length: 40 }, (_, i) => i) };
    return out;
  });
  const { model, report } = await loadHfModel(dir);
  model.dispose();
  assert.deepEqual(report.unused, ['cls.predictions.bias']);
  assert.deepEqual(report.initialised, []);
  assert.ok(maxAbsDiff(await logitsOf(dir, 'bert'), golden('bert').logits.flat()) < 1e-5);
  rmSync(dir, { recursive: true });
});

test('a checkpoint without the classification head gets a new one: normal(0, initializer_range) weights, zero bias', async () => {
  const dir = copyFixture('bert');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, initializer_range: 0.5 }));
  rewriteTensors(join(dir, 'model.safetensors'), (tensors) => Object.fromEntries(Object.entries(tensors).filter(([k]) => !k.startsWith('classifier.'))));
  const { model, report } = await loadHfModel(dir);
  assert.deepEqual(report.initialised.sort(), ['classifier.bias', 'classifier.weight']);
  const weights = new Map(model.weights().map((w) => [w.name, w.variable]));
  const kernel = Array.from(await (weights.get('classifier.weight') as tf.Variable).data());
  const std = Math.sqrt(kernel.reduce((s, v) => s + v * v, 0) / kernel.length);
  assert.ok(std > 0.3 && std < 0.7, `std ${std}`);
  assert.deepEqual(Array.from(await (weights.get('classifier.bias') as tf.Variable).data()), [0, 0, 0]);
  model.dispose();
  rmSync(dir, { recursive: true });
});

test('a different number of labels than the checkpoint makes a new head and keeps the encoder', async () => {
  const { model, report } = await loadHfModel(fixtureDir('bert'), { numLabels: 5, labelNames: ['a', 'b', 'c', 'd', 'e'] });
  assert.equal(report.newHead, true);
  assert.deepEqual(report.initialised.sort(), ['classifier.bias', 'classifier.weight']);
  assert.deepEqual(model.hf.checkpoint.labelNames, ['a', 'b', 'c', 'd', 'e']);
  const batch = paddedBatch(golden('bert'), 0);
  const { logits } = model.forward(batch);
  assert.deepEqual(logits.shape, [4, 5]);
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
});

test('F16 weights (distilbert) and shards with an index (roberta) are read', async () => {
  const { model: distil } = await loadHfModel(fixtureDir('distilbert'));
  assert.equal(distil.hf.checkpoint.family, 'distilbert');
  distil.dispose();
  const { model: roberta } = await loadHfModel(fixtureDir('roberta'));
  assert.equal(roberta.hf.problemType, 'multi_label_classification');
  roberta.dispose();
});

const badCheckpoints: Array<{ what: string; fixture?: string; breakIt: (dir: string) => void; file: string; says: RegExp }> = [
  { what: 'no config.json', breakIt: (d) => rmSync(join(d, 'config.json')), file: 'config.json', says: /not found/ },
  { what: 'config.json that is not JSON', breakIt: (d) => writeFileSync(join(d, 'config.json'), '{"model_type": "bert",'), file: 'config.json', says: /invalid JSON/ },
  { what: 'an unsupported model_type', breakIt: (d) => writeFileSync(join(d, 'config.json'), '{"model_type": "gpt2"}'), file: 'config.json', says: /"gpt2" is not supported; supported: bert, roberta, distilbert/ },
  { what: 'no weights', breakIt: (d) => rmSync(join(d, 'model.safetensors')), file: 'model.safetensors', says: /not found/ },
  {
    what: 'only pytorch_model.bin',
    breakIt: (d) => {
      rmSync(join(d, 'model.safetensors'));
      writeFileSync(join(d, 'pytorch_model.bin'), 'pickle');
    },
    file: 'pytorch_model.bin',
    says: /pickle.*run arbitrary code.*safe_serialization=True/,
  },
  {
    what: 'a truncated safetensors file',
    breakIt: (d) => {
      const bytes = readFileSync(join(d, 'model.safetensors'));
      writeFileSync(join(d, 'model.safetensors'), bytes.subarray(0, bytes.length - 1000));
    },
    file: 'model.safetensors',
    says: /truncated/,
  },
  {
    what: 'a header that lies about offsets',
    breakIt: (d) =>
      rewriteHeader(join(d, 'model.safetensors'), (h) => {
        const entry = h['classifier.bias'];
        entry.data_offsets = [entry.data_offsets[0] + 4, entry.data_offsets[1] + 4];
      }),
    file: 'model.safetensors',
    says: /classifier\.bias/,
  },
  {
    what: 'an unknown dtype',
    breakIt: (d) => rewriteHeader(join(d, 'model.safetensors'), (h) => void (h['classifier.bias'].dtype = 'F8_E4M3')),
    file: 'model.safetensors',
    says: /"F8_E4M3"; readable dtypes: F32/,
  },
  {
    what: 'a shape that does not match config.json',
    breakIt: (d) => {
      const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
      writeFileSync(join(d, 'config.json'), JSON.stringify({ ...config, vocab_size: config.vocab_size + 7 }));
    },
    file: 'model.safetensors',
    says: /word_embeddings\.weight" has shape \[\d+, 32\] but .*config\.json.* needs \[\d+, 32\]/,
  },
  { what: 'a missing shard', fixture: 'roberta', breakIt: (d) => rmSync(join(d, 'model-00002-of-00003.safetensors')), file: 'model-00002-of-00003.safetensors', says: /index\.json lists it as a shard/ },
];

for (const bad of badCheckpoints) {
  test(`a checkpoint with ${bad.what} is refused with an error naming ${bad.file}`, async () => {
    const dir = copyFixture(bad.fixture ?? 'bert');
    bad.breakIt(dir);
    await assert.rejects(loadHfModel(dir), (error: Error) => {
      assert.ok(error.message.includes(join(dir, bad.file)), error.message);
      assert.match(error.message, bad.says);
      return true;
    });
    rmSync(dir, { recursive: true });
  });
}

test('the parameter count the editor computes from config.json equals the built model\'s', async () => {
  for (const name of ['bert', 'roberta', 'distilbert']) {
    const { model } = await loadHfModel(fixtureDir(name));
    assert.equal(parameterCount(model.hf.checkpoint), model.parameterCounts().total, name);
    model.dispose();
  }
});

test('model.freeze patterns take transformers\' names, with fnmatch sets', async () => {
  const { model } = await loadHfModel(fixtureDir('bert'), { freeze: ['bert.embeddings.*', 'bert.encoder.layer.[0-0].*'] });
  const trainable = model.trainableWeights().map((w) => w.name);
  assert.ok(!trainable.some((n) => n.startsWith('bert.embeddings.') || n.startsWith('bert.encoder.layer.0.')));
  assert.ok(trainable.includes('bert.encoder.layer.1.output.dense.weight'));
  assert.ok(model.parameterCounts().trainable < model.parameterCounts().total);
  model.dispose();
});
