import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isDashboardPersistedState,
  isHostToWebviewMessage,
  isWebviewToHostMessage,
  type HostToWebviewMessage,
  type RunSummary,
  type WebviewToHostMessage,
} from '../../../src/protocol/webview';
import * as barrel from '../../../src/protocol/index';
import type { LogEvent } from '../../../src/protocol/events';

const run: RunSummary = {
  id: '/w/runs/a', name: 'a', outputDir: '/w/runs/a', configPath: '/w/a.trainer.yaml', status: 'running',
  lastStep: 10, totalSteps: 100, backend: { name: 'cpu', device: 'CPU' }, bestMetric: 0.8, startedAt: 1700000000000,
};
const log: LogEvent = { type: 'log', time: 2, step: 1, epoch: 0.02, loss: 0.69, learning_rate: 5e-4, samples_per_second: 300, steps_per_second: 9.4 };

test('host → webview messages: valid ones pass, malformed are rejected', () => {
  const good: HostToWebviewMessage[] = [
    { type: 'init', runs: [run], activeRunId: run.id },
    { type: 'init', runs: [] },
    { type: 'events', runId: run.id, events: [log] },
    { type: 'runList', runs: [run, { ...run, id: 'b', status: 'unknown', backend: undefined }] },
    { type: 'runHistory', runId: run.id, events: [] },
    { type: 'configDiff', runIds: ['a', 'b'], configs: [{ x: 1 }, { x: 2 }] },
    { type: 'configDiff', runIds: ['a', 'b'], error: 'config.resolved.json missing' },
  ];
  for (const m of good) assert.equal(isHostToWebviewMessage(m), true, JSON.stringify(m));
  const bad: unknown[] = [
    { type: 'init' },
    { type: 'init', runs: [{ ...run, status: 'paused' }] },
    { type: 'events', runId: run.id, events: [{ ...log, loss: 'x' }] },
    { type: 'events', events: [] },
    { type: 'runList', runs: [{ ...run, startedAt: 'yesterday' }] },
    { type: 'configDiff', runIds: ['a'] },
    { type: 'configDiff', runIds: ['a', 'b'], configs: [1] },
    { type: 'ready' },
    null,
  ];
  for (const m of bad) assert.equal(isHostToWebviewMessage(m), false, JSON.stringify(m));
});

test('webview → host messages: every field is validated', () => {
  const good: WebviewToHostMessage[] = [
    { type: 'ready' },
    { type: 'rendered', points: 0 },
    { type: 'rendered', runId: 'a', points: 120 },
    { type: 'command', command: 'start', configPath: '/w/a.trainer.yaml' },
    { type: 'command', command: 'stop', runId: 'a' },
    { type: 'command', command: 'startSlurm', configPath: '/w/a.trainer.yaml' },
    { type: 'command', command: 'resume', runId: 'a', configPath: '/w/a.trainer.yaml', checkpoint: '/w/runs/a/checkpoint-50' },
    { type: 'openLocation', file: '/w/my_trainer.ts', line: 12, column: 5 },
    { type: 'selectRuns', runIds: [] },
    { type: 'requestConfigDiff', runIds: ['a', 'b'] },
    { type: 'exportRuns', runIds: ['a', 'b'], charts: [{ metric: 'eval_accuracy', png: 'data:image/png;base64,iVBORw0KGgo=' }] },
    { type: 'exportRuns', runIds: ['a'], charts: [] },
    { type: 'mergeAdapter', runId: '/w/runs/lora' },
  ];
  for (const m of good) assert.equal(isWebviewToHostMessage(m), true, JSON.stringify(m));
  const bad: unknown[] = [
    { type: 'rendered' },
    { type: 'command', command: 'delete' },
    { type: 'command', command: 'startSlurm', configPath: 7 },
    { type: 'command', command: 'stop', runId: 1 },
    { type: 'command', command: 'resume', checkpoint: {} },
    { type: 'openLocation', file: '/w/a.ts', line: 0, column: 1 },
    { type: 'openLocation', file: '/w/a.ts', line: 1.5, column: 1 },
    { type: 'openLocation', file: '', line: 1, column: 1 },
    { type: 'openLocation', line: 1, column: 1 },
    { type: 'selectRuns', runIds: [1] },
    { type: 'requestConfigDiff', runIds: ['a', 'b', 'c'] },
    { type: 'exportRuns', runIds: [], charts: [] },
    { type: 'exportRuns', runIds: ['a'] },
    // A chart name becomes a file name: no separators or leading dots.
    { type: 'exportRuns', runIds: ['a'], charts: [{ metric: '../evil', png: 'data:image/png;base64,iVBORw0KGgo=' }] },
    { type: 'exportRuns', runIds: ['a'], charts: [{ metric: '.hidden', png: 'data:image/png;base64,iVBORw0KGgo=' }] },
    { type: 'exportRuns', runIds: ['a'], charts: [{ metric: 'loss', png: 'data:text/html;base64,PGI+' }] },
    { type: 'init', runs: [] },
    { type: 'mergeAdapter' },
    { type: 'mergeAdapter', runId: '' },
    { type: 'mergeAdapter', runId: ['/w/runs/lora'] },
    { type: 'constructor' },
    'ready',
    undefined,
  ];
  for (const m of bad) assert.equal(isWebviewToHostMessage(m), false, JSON.stringify(m));
});

test('persisted state guard', () => {
  assert.equal(isDashboardPersistedState({ selectedRunIds: ['a'], smoothing: 0.6 }), true);
  assert.equal(isDashboardPersistedState({ selectedRunIds: ['a'], smoothing: 1 }), false);
  assert.equal(isDashboardPersistedState({ selectedRunIds: 'a', smoothing: 0 }), false);
  assert.equal(isDashboardPersistedState(undefined), false);
});

test('the barrel re-exports events, commands, webview and guards', () => {
  assert.equal(barrel.PROTOCOL_VERSION, 1);
  assert.equal(barrel.Commands.startTraining, 'finetuneStudio.startTraining');
  assert.equal(barrel.isWebviewToHostMessage({ type: 'ready' }), true);
  assert.equal(barrel.isWebviewToHostMessage({ type: 'command', command: 'format-disk' }), false);
  assert.deepEqual(barrel.parseTrainerEventLine(JSON.stringify(log)), log);
  assert.equal(barrel.parseTrainerEventLine('{"type":"log"'), undefined);
  assert.equal(barrel.foldProgress(barrel.INITIAL_PROGRESS, log).loss, log.loss);
});
