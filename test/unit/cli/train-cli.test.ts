import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isTrainerEvent } from '../../../src/protocol/guards';
import type { TrainerEvent } from '../../../src/protocol/events';
import { writeConfig } from '../trainer/run/fixtures';

const CLI = resolve(__dirname, '../../../src/cli/main.ts');

/** Starts the real CLI; `onEvent` sees each --json line as it arrives. */
function startCli(args: string[], onEvent: (event: TrainerEvent, child: ReturnType<typeof spawn>) => void = () => {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: TrainerEvent[] = [];
  const badLines: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const parsed: unknown = JSON.parse(line);
      if (isTrainerEvent(parsed)) {
        events.push(parsed);
        onEvent(parsed, child);
      } else badLines.push(line);
    } catch {
      badLines.push(line);
    }
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, events, badLines, exited, stderr: () => stderr };
}

test('train --json prints valid events, one per line, the same ones metrics.jsonl holds', async () => {
  const { path, outputDir } = writeConfig();
  const cli = startCli(['train', path, '--json', '--max-steps', '6']);
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.deepEqual(cli.badLines, []);
  assert.deepEqual(cli.events.map((e) => e.type).filter((t, i, all) => all.indexOf(t) === i).sort(), ['checkpoint', 'eval', 'log', 'progress', 'runEnd', 'runStart']);
  const onDisk = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(onDisk, cli.events);
});

test('Ctrl-C stops after the current step with a resumable checkpoint; --resume continues from it', async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { num_train_epochs: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } });
  let interrupted = false;
  const cli = startCli(['train', path, '--json'], (event, child) => {
    if (event.type === 'log' && !interrupted) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  assert.equal(await cli.exited, 0, cli.stderr());
  const end = cli.events.at(-1);
  assert.ok(end?.type === 'runEnd' && end.status === 'stopped', JSON.stringify(end));
  assert.ok(end.step < 4000, 'stopped long before the end');
  assert.ok(end.checkpoint && existsSync(join(end.checkpoint, 'trainer_state.json')));
  assert.equal(end.checkpoint, join(outputDir, `checkpoint-${end.step}`));

  const resumed = startCli(['train', path, '--json', '--resume', '--max-steps', String(end.step + 3)]);
  assert.equal(await resumed.exited, 0, resumed.stderr());
  const start = resumed.events.find((e) => e.type === 'runStart');
  assert.ok(start?.type === 'runStart' && start.resumedStep === end.step);
  const last = resumed.events.at(-1);
  assert.ok(last?.type === 'runEnd' && last.status === 'completed' && last.step === end.step + 3);
});

test('bad arguments exit 2 with the usage', async () => {
  const cli = startCli(['train', '--max-steps', 'zero']);
  assert.equal(await cli.exited, 2);
  assert.match(cli.stderr(), /--max-steps needs a positive integer/);
});
