import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import { isTrainerEvent } from '../../../../src/protocol/guards';
import type { RunEndEvent } from '../../../../src/protocol/events';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { runTraining } from '../../../../src/trainer/run';
import { FIXTURES, writeConfig } from './fixtures';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };

async function run(configPath: string, extra: { resume?: string | boolean; maxSteps?: number } = {}) {
  const sink = new MemorySink();
  const end = await runTraining({ configPath, events: sink, core, ...extra });
  return { end, events: sink.events };
}

test('a run writes metrics.jsonl, trainer_state.json, config.resolved.json, checkpoints and the final model', async () => {
  const { path, outputDir } = writeConfig();
  const { end, events } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  const start = events.find((e) => e.type === 'runStart');
  assert.ok(start?.type === 'runStart' && start.backend.name === 'cpu' && start.totalSteps === 20);
  const lines = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, events.length, 'every event is on disk');
  for (const line of lines) assert.ok(isTrainerEvent(JSON.parse(line)));
  const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8'));
  assert.equal(state.global_step, 20);
  assert.ok(state.log_history.some((e: { eval_accuracy?: number }) => typeof e.eval_accuracy === 'number'));
  for (const file of ['config.resolved.json', 'model.safetensors', 'config.json', 'tokenizer.json', 'checkpoint-10/trainer_state.json', 'checkpoint-20/optimizer.safetensors', 'checkpoint-20/tokenizer.json']) {
    assert.ok(existsSync(join(outputDir, file)), file);
  }
});

test('a custom trainer class (HF custom-loss recipe) is compiled and used, with trainer_kwargs', async () => {
  const { path } = writeConfig({ trainer: 'class_trainer.ts', extra: 'trainer_kwargs: { loss_name: CrossEntropyLoss }' });
  const { end, events } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  assert.ok(events.some((e) => e.type === 'eval'));
});

test('a module exporting computeLoss and computeMetrics functions is used as compute_loss_func', async () => {
  const { path } = writeConfig({ trainer: 'function_loss.ts' });
  const { end, events } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  const evaluation = events.find((e) => e.type === 'eval');
  assert.ok(evaluation?.type === 'eval');
  assert.equal(evaluation.metrics.eval_rows_seen, 40);
});

test('computeLoss(...args) is accepted at run time, as the editor accepts it (no parameter counting)', async () => {
  const { path } = writeConfig({ trainer: 'rest_args_trainer.ts', trainingArgs: { max_steps: 3 } });
  const { end } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  assert.equal(end.step, 3);
});

test("an exception in user code is reported at the user's file and line", async () => {
  const { path } = writeConfig({ trainer: 'throwing_trainer.ts' });
  const { end } = await run(path);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /custom loss exploded/);
  assert.equal(end.error?.location?.file, join(FIXTURES, 'throwing_trainer.ts'));
  assert.equal(end.error?.location?.line, 6);
  assert.equal(end.step, 2);
});

test('a trainer module that does not compile is reported with its position', async () => {
  const { path } = writeConfig({ trainer: 'syntax_error_trainer.ts' });
  const { end } = await run(path);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Cannot compile the trainer module/);
  assert.equal(end.error?.location?.file, join(FIXTURES, 'syntax_error_trainer.ts'));
  assert.equal(end.error?.location?.line, 4);
});

test('a bad data row fails the run with file:line:column and the column name', async () => {
  const { dir, path } = writeConfig();
  const badData = join(dir, 'bad.jsonl');
  const good = readFileSync(join(FIXTURES, 'train.jsonl'), 'utf8').trim().split('\n');
  good.splice(4, 0, '{"text": "fine", "label": "sideways"}');
  writeFileSync(badData, good.join('\n') + '\n');
  const bad = writeConfig({ trainFile: badData });
  const { end } = await run(bad.path);
  assert.equal(end.status, 'failed');
  assert.equal(end.error?.location?.file, badData);
  assert.equal(end.error?.location?.line, 5);
  assert.match(end.error?.message ?? '', /label/);
  void path;
});

test('an invalid config fails before anything runs, with the first error located', async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { learning_rte: 1e-4 } });
  const { end } = await run(path);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /learning_rate/);
  assert.equal(end.error?.location?.file, path);
  assert.ok(!existsSync(join(outputDir, 'metrics.jsonl')), 'no run directory content for a config that never ran');
});

test('a fresh run refuses an output_dir with checkpoints; --resume continues from the latest', async () => {
  const { path } = writeConfig();
  assert.equal((await run(path, { maxSteps: 10 })).end.status, 'completed');
  const refused = await run(path);
  assert.equal(refused.end.status, 'failed');
  assert.match(refused.end.error?.message ?? '', /already holds 1 checkpoint\(s\).*--resume/s);
  const resumed = await run(path, { resume: true });
  assert.equal(resumed.end.status, 'completed', resumed.end.error?.message);
  const start = resumed.events.find((e) => e.type === 'runStart');
  assert.ok(start?.type === 'runStart' && start.resumedStep === 10);
  assert.equal((resumed.end as RunEndEvent).step, 20);
});

test('a full disk fails the run with a clear message and leaves the earlier checkpoints intact', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, async () => {
  const { path, outputDir } = writeConfig();
  assert.equal((await run(path, { maxSteps: 10 })).end.status, 'completed');
  // /dev/full answers every write with ENOSPC, as a full disk does.
  rmSync(join(outputDir, 'metrics.jsonl'));
  symlinkSync('/dev/full', join(outputDir, 'metrics.jsonl'));
  const { end, events } = await run(path, { resume: true });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /The disk is full.*--resume continues from the latest/s);
  assert.ok(events.some((e) => e.type === 'runEnd'), 'the caller still hears how the run ended');
  assert.ok(existsSync(join(outputDir, 'checkpoint-10', 'trainer_state.json')));
});
