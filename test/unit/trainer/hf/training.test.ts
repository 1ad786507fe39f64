/**
 * Fine-tuning through the whole run (tokenizer, dynamic padding, Trainer, AdamW, clipping, saving)
 * against transformers' Trainer on the same recipe: 3 full-batch AdamW steps, constant schedule,
 * dropout 0 (goldens: `.venv/bin/python scripts/make-hf-fixtures.py`). Then what we save loads in
 * transformers (when the reference Python is set up) and in our own loader with the same logits.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { readSafetensors } from '../../../../src/trainer/io/safetensors';
import { saveModel } from '../../../../src/trainer/io';
import { loadHfModel } from '../../../../src/trainer/models/hf';
import { runTraining } from '../../../../src/trainer/run';
import { runPython, skipWithoutPython } from '../../../support/reference-python';
import { FIXTURE_NAMES, fixtureDir, golden, maxAbsDiff, paddedBatch, type Golden } from './helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };
const trained = new Map<string, string>();

before(async () => {
  await tf.setBackend('cpu');
});

function writeRunConfig(name: string, g: Golden): { path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), `fts-hf-train-${name}-`));
  const fixture = fixtureDir(name);
  const lines = [
    'model:',
    `  from_pretrained: ${JSON.stringify(fixture)}`,
    `  max_length: ${g.max_length}`,
    'data:',
    `  train_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    `  eval_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    ...(g.pairs ? ['  text_pair_column: text_pair'] : []),
    'backend: cpu',
    'training_args:',
    '  output_dir: out',
    `  max_steps: ${g.train.steps}`,
    `  per_device_train_batch_size: ${g.train.batch_size}`,
    `  learning_rate: ${g.train.learning_rate}`,
    `  weight_decay: ${g.train.weight_decay}`,
    `  max_grad_norm: ${g.train.max_grad_norm}`,
    '  lr_scheduler_type: constant',
    '  logging_steps: 1',
    '  save_strategy: "no"',
    '  eval_on_start: true',
  ];
  const path = join(dir, 'hf.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, outputDir: join(dir, 'out') };
}

for (const name of FIXTURE_NAMES) {
  test(`${name}: eval_loss before training, losses, grad norms and weights after ${3} AdamW steps match transformers' Trainer`, async (t) => {
    const g = golden(name);
    const { path, outputDir } = writeRunConfig(name, g);
    const sink = new MemorySink();
    const end = await runTraining({ configPath: path, events: sink, core });
    assert.equal(end.status, 'completed', end.error?.message);
    const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')) as { log_history: Array<Record<string, number>> };
    const evalLoss = state.log_history[0].eval_loss;
    assert.ok(Math.abs(evalLoss - g.train_eval_loss) < 1e-4, `eval_loss ${evalLoss} vs ${g.train_eval_loss}`);
    const losses = state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
    const norms = state.log_history.filter((e) => 'grad_norm' in e).map((e) => e.grad_norm);
    assert.equal(losses.length, g.train.steps);
    losses.forEach((loss, i) => assert.ok(Math.abs(loss - g.train.losses[i]) < 1e-4 * Math.max(1, g.train.losses[i]), `loss ${i}: ${loss} vs ${g.train.losses[i]}`));
    norms.forEach((norm, i) => assert.ok(Math.abs(norm - g.train.grad_norms[i]) < 1e-3 * g.train.grad_norms[i], `grad_norm ${i}: ${norm} vs ${g.train.grad_norms[i]}`));

    const ours = (await readSafetensors(join(outputDir, 'model.safetensors'))).tensors;
    const theirs = (await readSafetensors(join(fixtureDir(name), 'trained', 'model.safetensors'))).tensors;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), 'the saved keys are transformers\' keys');
    const keyBiasTolerance = 2 * g.train.steps * g.train.learning_rate;
    let worst = { name: '', relative: 0 };
    for (const [key, entry] of Object.entries(theirs)) {
      const mine = ours[key];
      assert.deepEqual(mine.shape, entry.shape, `${key} layout`);
      const diff = maxAbsDiff(mine.data, entry.data);
      if (/attention\.self\.key\.bias|k_lin\.bias/.test(key)) {
        assert.ok(diff <= keyBiasTolerance, `${key}: ${diff}`);
        continue;
      }
      const scale = Math.max(...Array.from(entry.data, Math.abs));
      const relative = diff / scale;
      if (relative > worst.relative) worst = { name: key, relative };
    }
    t.diagnostic(`largest relative weight difference: ${worst.relative.toExponential(2)} (${worst.name})`);
    assert.ok(worst.relative < 1e-4, `${worst.name}: relative difference ${worst.relative}`);
    const config = JSON.parse(readFileSync(join(outputDir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, g.model_type);
    assert.equal(config.problem_type, g.task);
    assert.match(config.architectures[0], /ForSequenceClassification$/);
    trained.set(name, outputDir);
  });
}

async function logitsOf(dir: string, g: Golden): Promise<number[]> {
  const { model } = await loadHfModel(dir);
  const batch = paddedBatch(g, model.hf.checkpoint.padTokenId);
  const logits = model.forward(batch).logits;
  const values = Array.from(await logits.data());
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return values;
}

for (const name of FIXTURE_NAMES) {
  test(`${name}: our saved model loads again in our from_pretrained with identical logits`, async () => {
    const g = golden(name);
    const dir = trained.get(name);
    assert.ok(dir, 'the training test ran first');
    const { model } = await loadHfModel(dir);
    const again = mkdtempSync(join(tmpdir(), 'fts-hf-resave-'));
    await saveModel(model, again, { config: model.config, dims: { numLabels: model.numLabels } });
    model.dispose();
    assert.deepEqual(await logitsOf(again, g), await logitsOf(dir, g));
  });

  test(`${name}: transformers loads our saved model and gives our logits (within 1e-5)`, { skip: skipWithoutPython() }, async () => {
    const g = golden(name);
    const dir = trained.get(name);
    assert.ok(dir, 'the training test ran first');
    const reference = JSON.parse(runPython(join(__dirname, 'hf_logits.py'), [dir, String(g.max_length)], { input: JSON.stringify({ texts: g.texts, pairs: g.pairs }) }));
    const diff = maxAbsDiff(await logitsOf(dir, g), reference.logits.flat());
    assert.ok(diff < 1e-5, `max |logit difference| ${diff}`);
    assert.equal(reference.problem_type, g.task);
  });
}
