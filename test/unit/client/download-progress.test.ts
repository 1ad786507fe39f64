/**
 * The editor's notification while a run downloads its Hub model (client/download-progress.ts): one
 * per run, fed by the run's `download` events, closed by the last one, the runStart or the runEnd;
 * cancelling it stops that run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { DownloadNotifications, type ProgressHandle } from '../../../client/download-progress';
import type { RunState } from '../../../client/run-manager';
import type { DownloadEvent, TrainerEvent } from '../../../src/protocol/events';
import { synthesizeRun } from '../../fixtures/events/synthesize';

class FakeRuns extends EventEmitter<{ event: [RunState, TrainerEvent] }> {
  readonly stopped: string[] = [];
  async stop(id: string): Promise<undefined> {
    this.stopped.push(id);
    return undefined;
  }
}

const run = (id: string) => ({ id }) as RunState;
const download = (bytes: number, done = false): DownloadEvent => ({
  type: 'download', time: 1, model: 'org/tiny', file: 'model.safetensors', bytes, total: 4_000_000, rate: 1_000_000, eta: (4_000_000 - bytes) / 1_000_000, done,
});

function setUp() {
  const runs = new FakeRuns();
  const shown: { title: string; cancel: () => void; reports: [string, number][]; closed: boolean }[] = [];
  const logs: string[] = [];
  const notifications = new DownloadNotifications(
    runs,
    (title, cancel): ProgressHandle => {
      const entry = { title, cancel, reports: [] as [string, number][], closed: false };
      shown.push(entry);
      return { report: (message, percent) => entry.reports.push([message, percent]), close: () => (entry.closed = true) };
    },
    (text) => logs.push(text),
  );
  return { runs, shown, logs, notifications };
}

test('one notification per downloading run, with bytes, rate and ETA; closed by the done event and by runStart', () => {
  const { runs, shown, notifications } = setUp();
  runs.emit('event', run('run-1'), download(0));
  runs.emit('event', run('run-1'), download(1_000_000));
  runs.emit('event', run('run-2'), download(2_000_000));
  assert.deepEqual(shown.map((s) => s.title), ['Downloading model org/tiny', 'Downloading model org/tiny']);
  assert.deepEqual(shown[0].reports, [
    ['0 B of 4.00 MB, 1.00 MB/s, ETA 4s', 0],
    ['1.00 MB of 4.00 MB, 1.00 MB/s, ETA 3s', 25],
  ]);
  assert.deepEqual(notifications.active(), ['run-1', 'run-2']);
  runs.emit('event', run('run-1'), download(4_000_000, true));
  assert.equal(shown[0].closed, true);
  runs.emit('event', run('run-2'), synthesizeRun()[0]);
  assert.equal(shown[1].closed, true);
  assert.deepEqual(notifications.active(), []);
  notifications.dispose();
  assert.equal(runs.listenerCount('event'), 0);
});

test('cancelling stops that run; a runEnd closes the notification; dispose closes what is open', () => {
  const { runs, shown, logs, notifications } = setUp();
  runs.emit('event', run('run-1'), download(500_000));
  runs.emit('event', run('run-2'), download(500_000));
  shown[0].cancel();
  assert.deepEqual(runs.stopped, ['run-1']);
  assert.equal(shown[0].closed, true);
  assert.match(logs[0], /Download of org\/tiny cancelled: stopping the run/);
  runs.emit('event', run('run-1'), { type: 'runEnd', time: 2, status: 'stopped', step: 0, epoch: 0, trainRuntime: 1 });
  assert.deepEqual(notifications.active(), ['run-2']);
  notifications.dispose();
  assert.equal(shown[1].closed, true);
});
