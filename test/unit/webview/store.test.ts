import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEvent, RunStartEvent, TrainerEvent } from '../../../src/protocol/events';
import { parseTrainerEventLine } from '../../../src/protocol/guards';
import type { RunSummary } from '../../../src/protocol/webview';
import { seriesArrays } from '../../../webview/series';
import {
  chartKeys,
  createInitialState,
  persistedState,
  reduce,
  runRows,
  type DashboardState,
  type StoreAction,
} from '../../../webview/store';
import { synthesizeRun } from '../../fixtures/events/synthesize';

const fixture = readFileSync(join(import.meta.dirname, '../../fixtures/events/run.jsonl'), 'utf8')
  .split('\n')
  .map(parseTrainerEventLine)
  .filter((e): e is TrainerEvent => e !== undefined);

const RUN = 'runs/sentiment';
const summary = (id: string, over: Partial<RunSummary> = {}): RunSummary => ({
  id, name: id, outputDir: `/w/${id}`, configPath: '/w/a.trainer.yaml', status: 'completed', lastStep: 0, totalSteps: 0, startedAt: 0, ...over,
});

function run(actions: StoreAction[], state = createInitialState()): DashboardState {
  return actions.reduce(reduce, state);
}

test('the fixture is valid and the committed file matches the synthesizer', () => {
  assert.deepEqual(fixture, synthesizeRun());
});

test('a full run: series, progress, backend, evals, checkpoints with best marked', () => {
  // Events arrive in host batches of 7.
  const batches: StoreAction[] = [];
  for (let i = 0; i < fixture.length; i += 7) batches.push({ type: 'events', runId: RUN, events: fixture.slice(i, i + 7) });
  const s = run([{ type: 'init', runs: [summary(RUN, { status: 'running' })] }, ...batches]);
  const v = s.views[RUN];
  assert.equal(s.activeRunId, RUN);
  assert.deepEqual(s.selectedRunIds, [RUN]);
  assert.equal(v.status, 'completed');
  assert.equal(v.start?.backend.name, 'wasm');
  assert.equal(v.start?.backend.device, 'CPU (2 threads, SIMD)');
  const loss = seriesArrays(v.series.loss);
  assert.equal(loss.x.length, 60);
  assert.deepEqual(loss.x.slice(0, 3), [2, 4, 6]);
  assert.equal(v.series.learning_rate.length, 60);
  assert.equal(v.series.grad_norm.length, 60);
  assert.deepEqual(seriesArrays(v.series.eval_accuracy), { x: [40, 80, 120], y: [0.778, 0.8662, 0.8576] });
  assert.equal(v.lastEval?.step, 120);
  assert.equal(v.lastEval?.metrics.eval_f1, 0.8276);
  assert.deepEqual({ step: v.progress.step, total: v.progress.totalSteps, epoch: v.progress.epoch }, { step: 120, total: 120, epoch: 3 });
  assert.equal(v.progress.eta, undefined, 'no ETA once ended');
  assert.deepEqual(
    v.checkpoints.map((c) => [c.step, c.isBest]),
    [[80, true], [120, false]],
    'checkpoint-40 rotated away, 80 best',
  );
  assert.equal(v.bestMetric, 0.8662);
  assert.deepEqual(v.messages.map((m) => m.level), ['info', 'warning']);
  assert.deepEqual(chartKeys(s), ['loss', 'learning_rate', 'grad_norm', 'eval_accuracy', 'eval_f1', 'eval_loss']);
  const [row] = runRows(s);
  assert.deepEqual([row.status, row.lastStep, row.totalSteps, row.backend?.name, row.bestMetric], ['completed', 120, 120, 'wasm', 0.8662]);
});

test('progress mid-run: step/total, samples/s and ETA', () => {
  const upTo = fixture.findIndex((e) => e.type === 'progress' && e.step === 50);
  const v = run([{ type: 'events', runId: RUN, events: fixture.slice(0, upTo + 1) }]).views[RUN];
  assert.equal(v.status, 'running');
  assert.equal(v.progress.step, 50);
  assert.equal(v.progress.totalSteps, 120);
  assert.equal(v.progress.epoch, 1.25);
  assert.equal(v.progress.eta, 7);
  assert.ok(v.progress.samplesPerSecond! > 300);
});

test('stop → resume: the chart continues from the resumed step without duplicate points', () => {
  const start = fixture[0] as RunStartEvent;
  const logs = fixture.filter((e): e is LogEvent => e.type === 'log');
  const upTo = (n: number) => logs.filter((l) => l.step <= n);
  const s = run([
    { type: 'events', runId: RUN, events: [start, ...upTo(40)] },
    { type: 'events', runId: RUN, events: [{ type: 'checkpoint', time: 1, step: 30, path: '/w/checkpoint-30', isBest: false, deleted: [] }] },
    // Logged up to 50, then stopped; the resume restarts from checkpoint-30 and re-logs 32..
    { type: 'events', runId: RUN, events: logs.filter((l) => l.step > 40 && l.step <= 50) },
    { type: 'events', runId: RUN, events: [{ type: 'runEnd', time: 2, status: 'stopped', step: 50, epoch: 1.25, trainRuntime: 5, checkpoint: '/w/checkpoint-30' }] },
  ]);
  assert.equal(s.views[RUN].status, 'stopped');
  assert.equal(s.views[RUN].series.loss.length, 25);
  const resumed = run(
    [
      { type: 'events', runId: RUN, events: [{ ...start, resumedFrom: '/w/checkpoint-30', resumedStep: 30 }] },
      { type: 'events', runId: RUN, events: logs.filter((l) => l.step > 30 && l.step <= 60).map((l) => ({ ...l, loss: l.loss + 1 })) },
    ],
    s,
  );
  const v = resumed.views[RUN];
  assert.equal(v.status, 'running');
  assert.equal(v.progress.step, 60);
  const loss = seriesArrays(v.series.loss);
  assert.deepEqual(loss.x, upTo(60).map((l) => l.step), 'each step once, in order');
  assert.equal(new Set(loss.x).size, loss.x.length);
  assert.equal(loss.y[14], upTo(30)[14].loss, 'step 30 kept from the first session');
  assert.equal(loss.y[15], logs[15].loss + 1, 'step 32 from the resumed session');
  // The stopped state was not modified by the resumed one (pure reducer, shared buffers).
  assert.equal(s.views[RUN].series.loss.length, 25);
  assert.deepEqual(seriesArrays(s.views[RUN].series.loss).x, upTo(50).map((l) => l.step));
});

test('a resume without resumedStep still never duplicates: a step going back rewinds', () => {
  const logs = fixture.filter((e): e is LogEvent => e.type === 'log');
  const v = run([
    { type: 'events', runId: RUN, events: logs.slice(0, 10) },
    { type: 'events', runId: RUN, events: logs.slice(5, 12) },
  ]).views[RUN];
  assert.deepEqual(seriesArrays(v.series.loss).x, logs.slice(0, 12).map((l) => l.step));
});

test('a failed run keeps the error and its location', () => {
  const events = synthesizeRun({ failAt: 37 });
  const v = run([{ type: 'runHistory', runId: RUN, events }]).views[RUN];
  assert.equal(v.status, 'failed');
  assert.equal(v.failure?.message, 'computeLoss returned a tensor of shape [32,2]; the loss must be a scalar');
  assert.deepEqual(v.failure?.location, { file: '/workspace/my_trainer.ts', line: 14, column: 12 });
  assert.equal(v.progress.step, 36);
  assert.equal(runRows(run([{ type: 'runHistory', runId: RUN, events }]))[0].status, 'failed');
});

test('runHistory replaces what was there; a fresh runStart starts over', () => {
  const s = run([{ type: 'events', runId: RUN, events: fixture }]);
  const replay = run([{ type: 'runHistory', runId: RUN, events: fixture.slice(0, 10) }], s);
  assert.equal(replay.views[RUN].series.loss.length, fixture.slice(0, 10).filter((e) => e.type === 'log').length);
  const restarted = run([{ type: 'events', runId: RUN, events: [fixture[0]] }], s);
  assert.equal(restarted.views[RUN].series.loss, undefined);
  assert.equal(restarted.views[RUN].checkpoints.length, 0);
});

test('init picks the active run and keeps persisted selections that still exist', () => {
  const persisted = { selectedRunIds: ['b', 'gone'], activeRunId: 'gone', smoothing: 0.8 };
  const s = run(
    [{ type: 'init', runs: [summary('a', { startedAt: 1 }), summary('b', { startedAt: 2 }), summary('c', { status: 'running' })] }],
    createInitialState(persisted),
  );
  assert.equal(s.activeRunId, 'c', 'a running run wins when the persisted one is gone');
  assert.deepEqual(s.selectedRunIds, ['c', 'b']);
  assert.equal(s.smoothing, 0.8);
  const s2 = run([{ type: 'init', runs: [summary('a'), summary('b')], activeRunId: 'a' }], createInitialState(persisted));
  assert.equal(s2.activeRunId, 'a');
  assert.deepEqual(persistedState(s2), { selectedRunIds: ['a', 'b'], activeRunId: 'a', smoothing: 0.8 });
});

test('UI actions: overlay toggles, active run stays selected, smoothing is clamped', () => {
  let s = run([{ type: 'init', runs: [summary('a'), summary('b')], activeRunId: 'a' }]);
  s = reduce(s, { type: 'ui.toggleRun', runId: 'b', selected: true });
  assert.deepEqual(s.selectedRunIds, ['a', 'b']);
  assert.equal(reduce(s, { type: 'ui.toggleRun', runId: 'a', selected: false }), s, 'active run cannot be unselected');
  s = reduce(s, { type: 'ui.toggleRun', runId: 'b', selected: false });
  assert.deepEqual(s.selectedRunIds, ['a']);
  s = reduce(s, { type: 'ui.activateRun', runId: 'b' });
  assert.equal(s.activeRunId, 'b');
  assert.deepEqual(s.selectedRunIds, ['b', 'a']);
  assert.equal(reduce(s, { type: 'ui.setSmoothing', smoothing: 3 }).smoothing, 0.999);
  assert.equal(reduce(s, { type: 'ui.setSmoothing', smoothing: -1 }).smoothing, 0);
});

test('config diff message becomes a table of differing keys', () => {
  const s = run([
    {
      type: 'configDiff', runIds: ['a', 'b'],
      configs: [
        { training_args: { learning_rate: 5e-4, seed: 42, eval_strategy: 'epoch' }, metrics: ['accuracy'] },
        { training_args: { learning_rate: 1e-3, seed: 42 }, metrics: ['accuracy', 'f1'], loss_name: 'FocalLoss' },
      ],
    },
  ]);
  assert.deepEqual(s.configDiff?.rows, [
    { key: 'loss_name', left: undefined, right: '"FocalLoss"' },
    { key: 'metrics', left: '["accuracy"]', right: '["accuracy","f1"]' },
    { key: 'training_args.eval_strategy', left: '"epoch"', right: undefined },
    { key: 'training_args.learning_rate', left: '0.0005', right: '0.001' },
  ]);
  const err = reduce(s, { type: 'configDiff', runIds: ['a', 'b'], error: 'no config.resolved.json in b' });
  assert.equal(err.configDiff?.error, 'no config.resolved.json in b');
  assert.equal(reduce(err, { type: 'ui.closeConfigDiff' }).configDiff, undefined);
});
