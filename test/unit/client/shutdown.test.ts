import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LanguageServerSession, serverHealthText, type ServerHealth } from '../../../client/language-server-session';
import { RunManager } from '../../../client/run-manager';
import { shutdown } from '../../../client/shutdown';
import { Waiters } from '../../../client/waiters';
import { writeConfig } from '../trainer/run/fixtures';

/** A client whose start settles when the test says so; records its calls. */
class FakeClient {
  calls: string[] = [];
  private settle?: (error?: Error) => void;
  start(): Promise<void> {
    this.calls.push('start');
    return new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }
  finishStart(error?: Error): void {
    this.settle?.(error);
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('a language client disposed while it starts is stopped once the start settles', async () => {
  const client = new FakeClient();
  const session = new LanguageServerSession(() => client);
  const health: ServerHealth[] = [];
  session.onHealth((h) => health.push(h));
  const started = session.start();
  await tick();
  assert.equal(session.health, 'starting');
  const disposed = session.dispose();
  await tick();
  assert.deepEqual(client.calls, ['start'], 'not stopped before its start settles');
  client.finishStart();
  await disposed;
  await assert.rejects(started, /disposed while the client started/);
  assert.deepEqual(client.calls, ['start', 'stop']);
  assert.equal(session.health, 'stopped');
  assert.deepEqual(health, ['starting', 'stopped']);
  await assert.rejects(session.start(), /disposed/);
});

test('language server health: starting → ready, crashed (not when we stopped it), restart starts a fresh client', async () => {
  const clients: FakeClient[] = [];
  const session = new LanguageServerSession(() => {
    const c = new FakeClient();
    clients.push(c);
    return c;
  });
  const details: (string | undefined)[] = [];
  session.onHealth((_h, d) => details.push(d));
  const first = session.start();
  await tick();
  clients[0].finishStart();
  assert.equal(await first, clients[0]);
  assert.equal(session.health, 'ready');
  session.markCrashed('the server exited 5 times');
  assert.equal(session.health, 'crashed');
  assert.match(serverHealthText('crashed', details.at(-1)).tooltip, /crashed: the server exited 5 times\. Click to restart/);

  const restarted = session.restart();
  await tick();
  assert.deepEqual(clients[0].calls, ['start', 'stop']);
  assert.equal(session.health, 'starting');
  clients[1].finishStart();
  assert.equal(await restarted, clients[1]);
  assert.equal(session.health, 'ready');

  // A start that fails is shown as crashed, and the client is still stopped.
  await session.dispose();
  const failing = new LanguageServerSession(() => clients[2] ?? (clients[2] = new FakeClient()));
  const attempt = failing.start();
  await tick();
  clients[2].finishStart(new Error('server module missing'));
  await assert.rejects(attempt, /server module missing/);
  assert.equal(failing.health, 'crashed');
  assert.deepEqual(clients[2].calls, ['start', 'stop']);
  // Stopping on purpose is not a crash.
  await failing.dispose();
  failing.markCrashed('state changed to Stopped');
  assert.equal(failing.health, 'stopped');
});

test('waiters resolve once and leave; disposing rejects the rest and keeps no listener', async () => {
  const waiters = new Waiters<number>();
  const even = waiters.wait((n) => n % 2 === 0);
  const big = waiters.wait((n) => n > 100);
  assert.equal(waiters.size, 2);
  waiters.notify(3);
  waiters.notify(4);
  assert.equal(await even, 4);
  assert.equal(waiters.size, 1, 'a satisfied wait is removed');
  assert.equal(await waiters.wait((n) => n === 7, [1, 7]), 7, 'current values are checked first');
  assert.equal(waiters.size, 1);
  waiters.dispose('The dashboard was closed.');
  await assert.rejects(big, /dashboard was closed/);
  assert.equal(waiters.size, 0);
  await assert.rejects(waiters.wait(() => true), /dashboard was closed/);
});

test('shutdown: runs stop first and their log lines reach the output; the output channel is disposed last', async () => {
  const order: string[] = [];
  let outputOpen = true;
  const logged: string[] = [];
  await shutdown({
    stopRuns: async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('runs stopped');
      if (outputOpen) logged.push('checkpoint written');
    },
    stopLanguageClient: async () => {
      order.push('client stopped');
      throw new Error('server did not answer shutdown');
    },
    disposeUi: () => order.push('ui disposed'),
    disposeOutput: () => {
      order.push('output disposed');
      outputOpen = false;
    },
    log: (m) => outputOpen && logged.push(m),
  });
  assert.deepEqual(order, ['client stopped', 'runs stopped', 'ui disposed', 'output disposed']);
  assert.deepEqual(logged, ['checkpoint written', 'Shutdown: stopping the language client failed: server did not answer shutdown']);
});

test('shutdown waits for a real run to write its stop checkpoint before the output goes', async () => {
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  const entry = { modulePath: resolve(__dirname, '../../../src/cli/main.ts'), execArgv: ['--import', tsxLoader] };
  const manager = new RunManager({ entry, stopGraceMs: 20_000 });
  const { dir, path, outputDir } = writeConfig({ trainingArgs: { num_train_epochs: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } });
  const run = manager.start({ configPath: path, outputDir, cwd: dir });
  await new Promise<void>((done) => manager.on('changed', (r) => r.id === run.id && r.progress.step >= 2 && done()));
  const lines: string[] = [];
  let outputOpen = true;
  manager.on('event', (_r, e) => {
    assert.ok(outputOpen, `${e.type} logged after the output channel was disposed`);
    lines.push(e.type);
  });
  await shutdown({
    stopRuns: () => manager.dispose(),
    stopLanguageClient: async () => {},
    disposeUi: () => {},
    disposeOutput: () => {
      outputOpen = false;
    },
    log: () => {},
  });
  assert.equal(run.phase, 'stopped');
  assert.ok(run.end?.checkpoint && existsSync(join(run.end.checkpoint, 'trainer_state.json')), 'the stop checkpoint is on disk when shutdown resolves');
  assert.ok(lines.includes('runEnd'));
});
