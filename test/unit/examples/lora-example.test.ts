/**
 * examples/bert-classifier/lora.trainer.yaml (the LoRA example; examples/tiny-chat had not landed),
 * trained briefly, then `finetune-studio merge` on its output: the merged folder gives the logits of
 * base + adapter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../src/index';
import { loadConfigFile } from '../../../src/cli/config-host';
import { runMerge } from '../../../src/cli/merge';
import { MemorySink } from '../../../src/trainer/event-sink';
import { loadAdapterInto, readAdapterConfig } from '../../../src/trainer/io/peft-files';
import { loadHfModel } from '../../../src/trainer/models/hf';
import { resolveLora } from '../../../src/trainer/models/hf/peft-config';
import { runTraining } from '../../../src/trainer/run';

const EXAMPLE = resolve(__dirname, '../../../examples/bert-classifier');

test('example bert-classifier/lora.trainer.yaml validates clean, trains an adapter, and merge gives the same logits', async () => {
  await tf.setBackend('cpu');
  const dir = join(mkdtempSync(join(tmpdir(), 'fts-lora-example-')), 'bert-classifier');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes(`${join('/', 'runs')}`) });
  const configPath = join(dir, 'lora.trainer.yaml');
  const loaded = await loadConfigFile(configPath);
  assert.deepEqual(loaded.problems.filter((p) => p.severity !== 'information'), [], 'no errors or warnings');
  const end = await runTraining({ configPath, events: new MemorySink(), core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf }, maxSteps: 4, backend: 'cpu' });
  assert.equal(end.status, 'completed', end.error?.message);
  const adapterDir = join(dir, 'runs', 'bert-classifier-lora');
  assert.ok(existsSync(join(adapterDir, 'adapter_model.safetensors')));

  const merged = join(dir, 'merged');
  assert.equal(await runMerge([adapterDir, '--out', merged]), 0);
  const ids = tf.tensor2d([[2, 10, 20, 30, 3]], undefined, 'int32');
  const { peft, path } = await readAdapterConfig(adapterDir);
  const { model: withAdapter } = await loadHfModel(join(dir, 'model'), { lora: resolveLora(peft, 'bert', 'SEQ_CLS', path) });
  await loadAdapterInto(withAdapter, adapterDir);
  const { model: mergedModel } = await loadHfModel(merged);
  const a = Array.from(await withAdapter.forward({ input_ids: ids }).logits.data());
  const b = Array.from(await mergedModel.forward({ input_ids: ids }).logits.data());
  a.forEach((value, i) => assert.ok(Math.abs(value - b[i]) < 1e-5, `logit ${i}: ${value} vs ${b[i]}`));
  withAdapter.dispose();
  mergedModel.dispose();
});
