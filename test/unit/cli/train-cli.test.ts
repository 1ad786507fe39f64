import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfig } from '../trainer/run/fixtures';
import { startCli } from './cli-process';

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
