/**
 * The CLI runs training on a worker thread, so its main thread always answers signals and
 * records how a run ended, whatever user code does on the training thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseTrainerEventLine } from '../../../src/protocol/guards';
import type { RunEndEvent, TrainerEvent } from '../../../src/protocol/events';
import { FIXTURES, writeConfig } from '../trainer/run/fixtures';

const CLI = resolve(__dirname, '../../../src/cli/main.ts');

function startCli(args: string[], onEvent: (event: TrainerEvent, child: ReturnType<typeof spawn>) => void = () => {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: TrainerEvent[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseTrainerEventLine(line);
    if (!event) return;
    events.push(event);
    onEvent(event, child);
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, events, exited, stderr: () => stderr };
}

function lastOnDisk(outputDir: string): RunEndEvent {
  const lines = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const last = parseTrainerEventLine(lines.at(-1) ?? '');
  assert.ok(last?.type === 'runEnd', `the last line of metrics.jsonl is a runEnd: ${lines.at(-1)}`);
  return last;
}

const LONG = { num_train_epochs: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } as const;

test('an endless loop in computeLoss: Ctrl-C asks for a stop, a second Ctrl-C ends the run at once, recorded as failed', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'endless_trainer.ts', trainingArgs: LONG });
  let interruptedAt = 0;
  const cli = startCli(['train', path, '--json'], (event, child) => {
    if (event.type === 'log' && event.step === 2 && !interruptedAt) {
      interruptedAt = Date.now();
      // The third step never returns: the first Ctrl-C cannot be honoured by the loop.
      setTimeout(() => child.kill('SIGINT'), 300);
      setTimeout(() => child.kill('SIGINT'), 900);
    }
  });
  assert.equal(await cli.exited, 130, cli.stderr());
  assert.ok(interruptedAt > 0, 'training reached step 2');
  assert.ok(Date.now() - interruptedAt < 8000, `exited ${Date.now() - interruptedAt} ms after the first Ctrl-C`);
  assert.match(cli.stderr(), /Stopping after this step.*Aborted/s);
  const end = cli.events.at(-1);
  assert.ok(end?.type === 'runEnd' && end.status === 'failed', JSON.stringify(end));
  assert.match(end.error?.message ?? '', /Aborted by a second Ctrl-C at step 2, without a checkpoint/);
  assert.deepEqual(lastOnDisk(outputDir), end);
});

test('SIGTERM after a stop request (the extension\'s grace is over) ends a stuck run; its end is in metrics.jsonl', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'endless_trainer.ts', trainingArgs: LONG });
  let sent = false;
  const cli = startCli(['train', path, '--json'], (event, child) => {
    if (event.type === 'log' && event.step === 2 && !sent) {
      sent = true;
      setTimeout(() => child.kill('SIGTERM'), 300);
      setTimeout(() => child.kill('SIGTERM'), 900);
    }
  });
  assert.equal(await cli.exited, 143, cli.stderr());
  const end = lastOnDisk(outputDir);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Ended by SIGTERM after a stop request at step 2/);
});

test('process.exit(0) in user code fails the run at the user\'s line instead of exiting 0', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'exiting_trainer.ts', trainingArgs: { max_steps: 6, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } });
  const cli = startCli(['train', path, '--json']);
  assert.equal(await cli.exited, 1, cli.stderr());
  const end = lastOnDisk(outputDir);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Unexpected exit: process\.exit\(0\) was called during training/);
  assert.deepEqual(end.error?.location && { file: end.error.location.file, line: end.error.location.line }, { file: join(FIXTURES, 'exiting_trainer.ts'), line: 7 });
});

test('an unhandled rejection raised while the trainer module loads fails the run at the user\'s line', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'rejecting_import_trainer.ts', trainingArgs: { max_steps: 6, save_strategy: 'no', eval_strategy: 'no' } });
  const cli = startCli(['train', path, '--json']);
  assert.equal(await cli.exited, 1, cli.stderr());
  const end = lastOnDisk(outputDir);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Unhandled promise rejection in user code: warm-up failed at import/);
  assert.equal(end.error?.location?.file, join(FIXTURES, 'rejecting_import_trainer.ts'));
  assert.equal(end.error?.location?.line, 4);
});

test('a timer that throws during training ends the run as failed at its line, with a checkpoint to resume from', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'throwing_timer_trainer.ts', trainingArgs: { max_steps: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } });
  const cli = startCli(['train', path, '--json']);
  assert.equal(await cli.exited, 1, cli.stderr());
  const end = lastOnDisk(outputDir);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Uncaught exception in user code outside computeLoss: timer broke/);
  assert.equal(end.error?.location?.file, join(FIXTURES, 'throwing_timer_trainer.ts'));
  assert.equal(end.error?.location?.line, 6);
  assert.ok(end.checkpoint && end.step < 400, JSON.stringify(end));
  assert.equal(end.checkpoint, join(outputDir, `checkpoint-${end.step}`));
});

test('a timer that throws after training has completed does not change the outcome', { timeout: 60_000 }, async () => {
  const { path, outputDir } = writeConfig({ trainer: 'late_timer_trainer.ts', trainingArgs: { max_steps: 3, save_strategy: 'no', eval_strategy: 'no' } });
  const cli = startCli(['train', path, '--json']);
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.equal(lastOnDisk(outputDir).status, 'completed');
});

test('on a full disk the final error still reaches the extension host over IPC', { timeout: 60_000, skip: !existsSync('/dev/full') && 'needs /dev/full' }, async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { max_steps: 4, save_strategy: 'steps', save_steps: 4, eval_strategy: 'no' } });
  const first = startCli(['train', path, '--json']);
  assert.equal(await first.exited, 0, first.stderr());
  // /dev/full answers every write with ENOSPC, as a full disk does.
  rmSync(join(outputDir, 'metrics.jsonl'));
  symlinkSync('/dev/full', join(outputDir, 'metrics.jsonl'));
  const child = fork(CLI, ['train', path, '--ipc', '--resume', '--max-steps', '8'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const messages: unknown[] = [];
  child.on('message', (message) => messages.push(message));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  assert.equal(code, 1);
  const end = messages.at(-1) as RunEndEvent;
  assert.equal(end.type, 'runEnd');
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /The disk is full/);
});
