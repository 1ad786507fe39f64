import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunManager, type RunState } from '../../../client/run-manager';
import { trainArguments, trainerEnvironment, type TrainingProcess } from '../../../client/training-process';
import { isTrainerEvent } from '../../../src/protocol/guards';
import type { TrainerEvent } from '../../../src/protocol/events';
import { writeConfig } from '../trainer/run/fixtures';

// The child runs in the config's folder, so tsx is named by absolute URL rather than resolved from there.
const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
const entry = { modulePath: resolve(__dirname, '../../../src/cli/main.ts'), execArgv: ['--import', tsxLoader] };

function untilEvent(manager: RunManager, predicate: (run: RunState) => boolean): Promise<RunState> {
  return new Promise((done) => {
    const listener = (run: RunState) => {
      if (!predicate(run)) return;
      manager.off('event', listener);
      done(run);
    };
    manager.on('event', listener);
  });
}

const longRun = { num_train_epochs: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' };

test('start → events → stop leaves a checkpoint; a second run into the same output_dir is refused', async () => {
  const { dir, path, outputDir } = writeConfig({ trainingArgs: longRun });
  const manager = new RunManager({ entry, stopGraceMs: 20_000 });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  assert.equal(run.phase, 'starting');
  await untilEvent(manager, (r) => r.id === run.id && r.progress.loss !== undefined);
  assert.equal(run.phase, 'running');
  assert.equal(run.progress.backend?.name, 'cpu');
  assert.ok(run.progress.totalSteps > 1000);
  assert.throws(() => manager.start({ configPath: path, outputDir, cwd: dir }), /already training into .*Stop it first/);

  const end = await manager.stop(run.id);
  assert.equal(end?.status, 'stopped');
  assert.equal(run.phase, 'stopped');
  assert.ok(end?.checkpoint && existsSync(join(end.checkpoint, 'trainer_state.json')));
  assert.equal(manager.active().length, 0);
  // metrics.jsonl is intact: every line parses, and it ends with the runEnd the manager saw.
  const lines = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every(isTrainerEvent));
  assert.deepEqual(lines.at(-1), end);
});

test('a trainer killed from outside is reported as failed with its last step; its metrics stay on disk', async () => {
  const { dir, path, outputDir } = writeConfig({ trainingArgs: longRun });
  const manager = new RunManager({ entry });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  const logged = await untilEvent(manager, (r) => r.id === run.id && r.progress.step >= 3);
  const pid = (manager['processes'].get(run.id) as TrainingProcess | undefined)?.pid;
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  const end = await manager.whenEnded(run.id);
  assert.equal(end?.status, 'failed');
  assert.match(end?.error?.message ?? '', /killed \(SIGKILL\) at step \d+/);
  assert.ok((end?.step ?? 0) >= 3);
  assert.equal(logged.phase, 'failed');
  const lines = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.length >= 3);
  for (const line of lines) assert.ok(isTrainerEvent(JSON.parse(line)), 'no torn line');
});

test('the stop grace ends a trainer stuck in an endless computeLoss: the trainer records the end, not a kill', async () => {
  const { dir, path, outputDir } = writeConfig({ trainer: 'endless_trainer.ts', trainingArgs: longRun });
  const manager = new RunManager({ entry, stopGraceMs: 1500 });
  const run = manager.start({ configPath: path, outputDir, cwd: dir, allowUserCode: true });
  await untilEvent(manager, (r) => r.id === run.id && r.progress.step >= 2);
  await new Promise((done) => setTimeout(done, 500)); // step 3 is spinning by now
  const started = Date.now();
  const end = await manager.stop(run.id);
  assert.ok(Date.now() - started < 5000, `ended ${Date.now() - started} ms after stop`);
  assert.equal(end?.status, 'failed');
  assert.match(end?.error?.message ?? '', /Ended by SIGTERM after a stop request at step 2/);
  const lines = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(JSON.parse(lines.at(-1) ?? ''), end);
});

test('a run that fails reports the error location from the trainer', async () => {
  const { dir, path, outputDir } = writeConfig({ trainer: 'throwing_trainer.ts' });
  const manager = new RunManager({ entry });
  const run = manager.start({ configPath: path, outputDir, cwd: dir, allowUserCode: true });
  const end = await manager.whenEnded(run.id);
  assert.equal(end?.status, 'failed');
  assert.match(end?.error?.location?.file ?? '', /throwing_trainer\.ts$/);
  assert.equal(end?.error?.location?.line, 6);
});

test('unless user code is allowed, the trainer process itself refuses a custom trainer module', async () => {
  const { dir, path, outputDir } = writeConfig({ trainer: 'throwing_trainer.ts' });
  const manager = new RunManager({ entry });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  const end = await manager.whenEnded(run.id);
  assert.equal(end?.status, 'failed');
  assert.match(end?.error?.message ?? '', /Refused: .*custom trainer module.*untrusted workspace/);
  assert.equal(end?.step, 0);
});

test('the child gets argument arrays and a clean environment', () => {
  assert.deepEqual(trainArguments({ configPath: '/a b/c.trainer.yaml', resume: '/x/checkpoint-4', backend: 'wasm', cwd: '/', allowUserCode: true }), [
    'train', '/a b/c.trainer.yaml', '--ipc', '--resume=/x/checkpoint-4', '--backend', 'wasm',
  ]);
  assert.deepEqual(trainArguments({ configPath: 'c.trainer.yaml', cwd: '/' }), ['train', 'c.trainer.yaml', '--ipc', '--no-user-code']);
  const env = trainerEnvironment({ PATH: '/bin', SECRET_TOKEN: 'x', HOME: '/root' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/root', ELECTRON_RUN_AS_NODE: '1' });
  // The Hub cache, mirror, token and offline mode reach the run as they reach the Models view.
  const hub = { HF_HUB_CACHE: '/c', HF_ENDPOINT: 'http://127.0.0.1:9', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: '1', AWS_SECRET: 'no' };
  assert.deepEqual(trainerEnvironment(hub), { HF_HUB_CACHE: '/c', HF_ENDPOINT: 'http://127.0.0.1:9', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: '1', ELECTRON_RUN_AS_NODE: '1' });
});

test('pause holds the trainer between steps, save writes a checkpoint and goes on, continue resumes', async () => {
  const { dir, path, outputDir } = writeConfig({ trainingArgs: longRun });
  const manager = new RunManager({ entry, stopGraceMs: 20_000 });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  await untilEvent(manager, (r) => r.id === run.id && r.progress.step >= 2);

  const saved = new Promise<TrainerEvent>((done) => manager.on('event', (r, e) => r.id === run.id && e.type === 'checkpoint' && done(e)));
  assert.equal(manager.control(run.id, 'save'), true);
  const checkpoint = await saved;
  assert.ok(checkpoint.type === 'checkpoint' && existsSync(join(checkpoint.path, 'trainer_state.json')));
  assert.equal(run.phase, 'running');

  assert.equal(manager.control(run.id, 'pause'), true);
  assert.equal(run.paused, true);
  await new Promise((r) => setTimeout(r, 700)); // the step in flight finishes
  const heldAt = run.progress.step;
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(run.progress.step, heldAt, 'a paused run took steps');

  assert.equal(manager.control(run.id, 'resume'), true);
  assert.equal(run.paused, false);
  await untilEvent(manager, (r) => r.id === run.id && r.progress.step > heldAt);
  // A paused run stops too (stop releases the pause).
  manager.control(run.id, 'pause');
  const end = await manager.stop(run.id);
  assert.equal(end?.status, 'stopped');
  assert.equal(run.paused, false);
  assert.equal(manager.control(run.id, 'save'), false, 'no trainer left to tell');
});
