import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEvent, RunStartEvent, TrainerEvent } from '../../../src/protocol/events';
import { foldProgress, foldProgressAll, INITIAL_PROGRESS } from '../../../src/protocol/progress';
import { TerminalReporter } from '../../../src/cli/terminal-reporter';
import { formatDownloadPhase } from '../../../src/hub/format';
import { summarizeRun } from '../../../client/run-history';
import { createInitialState, reduce } from '../../../webview/store';
import { synthesizeRun } from '../../fixtures/events/synthesize';

/** A run stopped at step 50 and resumed from checkpoint-30, then failed at step 40. */
function stoppedThenResumed(): TrainerEvent[] {
  const first = synthesizeRun();
  const start = first[0] as RunStartEvent;
  const upTo50 = first.filter((e) => e.type !== 'runEnd' && (!('step' in e) || e.step <= 50));
  const logs = first.filter((e): e is LogEvent => e.type === 'log');
  return [
    ...upTo50,
    { type: 'runEnd', time: 5, status: 'stopped', step: 50, epoch: 1.25, trainRuntime: 5, checkpoint: '/w/checkpoint-30', bestMetric: 0.8 },
    { ...start, time: 6, resumedFrom: '/w/checkpoint-30', resumedStep: 30 },
    ...logs.filter((l) => l.step > 30 && l.step <= 40),
    { type: 'runEnd', time: 7, status: 'failed', step: 40, epoch: 1, trainRuntime: 1, error: { message: 'boom' } },
  ];
}

test('the fold: runStart, log, progress and runEnd, a resume rewinding to its step and keeping the best metric', () => {
  const events = stoppedThenResumed();
  const start = events[0] as RunStartEvent;
  const afterStart = foldProgress(INITIAL_PROGRESS, start);
  assert.deepEqual(afterStart, { status: 'running', step: 0, totalSteps: 120, epoch: 0, numEpochs: 3, backend: start.backend });
  const log = events.find((e): e is LogEvent => e.type === 'log')!;
  const afterLog = foldProgress(afterStart, log);
  assert.equal(afterLog.loss, log.loss);
  assert.equal(afterLog.learningRate, log.learning_rate);
  assert.equal(afterLog.eta, (120 - log.step) / log.steps_per_second, 'estimated from the step rate until a progress event');
  // Events that say nothing about progress leave it as it was (the same object).
  assert.equal(foldProgress(afterLog, { type: 'message', time: 1, level: 'info', text: 'x' }), afterLog);

  const stopIndex = events.findIndex((e) => e.type === 'runEnd');
  const stopped = foldProgressAll(events.slice(0, stopIndex + 1));
  assert.deepEqual([stopped.status, stopped.step, stopped.eta, stopped.bestMetric], ['stopped', 50, undefined, 0.8]);
  const resumed = foldProgress(stopped, events[stopIndex + 1]);
  assert.deepEqual([resumed.status, resumed.step, resumed.epoch, resumed.loss, resumed.bestMetric], ['running', 30, 0.75, undefined, 0.8]);
  const failed = foldProgressAll(events);
  assert.deepEqual([failed.status, failed.step, failed.totalSteps], ['failed', 40, 120]);
  // A fresh start forgets the best metric of the run before it.
  assert.equal(foldProgress(stopped, { ...start, time: 9 }).bestMetric, undefined);
});

test('run history, webview store and terminal reporter show the same progress as the fold', () => {
  const events = stoppedThenResumed();
  const cut = events.findIndex((e) => e.type === 'log' && e.step === 36);
  for (const upTo of [cut + 1, events.length]) {
    const slice = events.slice(0, upTo);
    const folded = foldProgressAll(slice);

    const summary = summarizeRun('/w/runs/a', slice);
    assert.deepEqual([summary.lastStep, summary.totalSteps, summary.bestMetric], [folded.step, folded.totalSteps, folded.bestMetric]);
    // A history whose last run has no runEnd is `unknown`, not running.
    assert.equal(summary.status, folded.status === 'running' ? 'unknown' : folded.status);

    const view = reduce(createInitialState(), { type: 'runHistory', runId: 'a', events: slice }).views.a;
    assert.deepEqual(view.progress, folded);
    assert.equal(view.status, folded.status);

    let written = '';
    const reporter = new TerminalReporter({ write: (text) => ((written += text), true), isTTY: true, columns: 120 });
    for (const e of slice) reporter.handle(e);
    const bars = written.split('\r\x1b[2K').filter((s) => s.includes('█') || s.includes('░'));
    const lastBar = bars.at(-1) ?? '';
    assert.match(lastBar, new RegExp(` ${folded.step}/${folded.totalSteps}  ep ${folded.epoch.toFixed(2)}`), lastBar);
  }
});

test('the model download before runStart: folded into progress.download, drawn by the terminal, cleared when done and by runStart', () => {
  const [start, ...rest] = synthesizeRun();
  const at = (bytes: number, done = false): TrainerEvent => ({ type: 'download', time: 1, model: 'org/tiny@v1', file: 'model.safetensors', bytes, total: 40_000_000, rate: 3_100_000, eta: (40_000_000 - bytes) / 3_100_000, done });
  const downloading = foldProgressAll([at(0), at(12_300_000)]);
  assert.deepEqual(downloading.download, { time: 1, model: 'org/tiny@v1', file: 'model.safetensors', bytes: 12_300_000, total: 40_000_000, rate: 3_100_000, eta: (40_000_000 - 12_300_000) / 3_100_000 });
  assert.equal(downloading.status, 'unknown');
  assert.equal(formatDownloadPhase(downloading.download!), 'Downloading model org/tiny@v1 — 12.3 MB of 40.0 MB, 3.10 MB/s, ETA 9s');
  assert.equal(foldProgress(downloading, at(40_000_000, true)).download, undefined);
  assert.equal(foldProgress(downloading, start).download, undefined);
  assert.equal(foldProgress(downloading, { type: 'runEnd', time: 2, status: 'stopped', step: 0, epoch: 0, trainRuntime: 1 }).download, undefined);

  let written = '';
  const reporter = new TerminalReporter({ write: (text) => ((written += text), true), isTTY: true, columns: 100 });
  for (const e of [at(0), at(12_300_000), at(40_000_000, true), start, rest[0]]) reporter.handle(e);
  const frames = written.split('\r\x1b[2K');
  const downloadBars = frames.filter((f) => f.startsWith('model.safetensors ['));
  assert.equal(downloadBars.length, 2, written);
  assert.match(downloadBars[1], / 30% {2}12\.3 MB\/40\.0 MB {2}3\.10 MB\/s {2}ETA 9s$/);
  // Training output follows on a clean line: the download bar was cleared when it was done.
  assert.ok(frames.some((f) => f.startsWith('Training ')), written);
});
