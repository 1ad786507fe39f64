/**
 * output_dir is taken over only when it is ours (issue 10, failures 7 and 10): a folder that is not a
 * run of ours is refused unless overwrite_output_dir is set, an untrusted run writes only inside the
 * config's folder, and temporary folders of killed saves are cleared by the next run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import { readCheckpoint } from '../../../../src/trainer/checkpoints';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { runTraining, type RunOptions } from '../../../../src/trainer/run';
import { startCli } from '../../cli/cli-process';
import { writeConfig } from './fixtures';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };

async function run(configPath: string, extra: Partial<RunOptions> = {}) {
  const sink = new MemorySink();
  const end = await runTraining({ configPath, events: sink, core, maxSteps: 2, ...extra });
  return { end, events: sink.events };
}

/** A folder next to the config's folder that holds someone else's work. */
function victimBeside(configDir: string): { victim: string; snapshot: () => Record<string, string> } {
  const victim = join(configDir, '..', `victim-${configDir.split('-').at(-1)}`);
  mkdirSync(victim);
  writeFileSync(join(victim, 'config.json'), '{"model_type": "theirs"}\n');
  writeFileSync(join(victim, 'metrics.jsonl'), '{"step": 1, "loss": 0.5}\n');
  const snapshot = () => Object.fromEntries(readdirSync(victim).map((name) => [name, readFileSync(join(victim, name), 'utf8')]));
  return { victim, snapshot };
}

test('a non-empty output_dir that is not a run of ours is refused, and nothing in it is touched', async () => {
  const { dir } = writeConfig();
  const { victim, snapshot } = victimBeside(dir);
  const before = snapshot();
  const { path } = writeConfig({ trainingArgs: { output_dir: victim } });
  const { end } = await run(path);
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /is not empty and is not a Fine-Tune Studio run \(it holds config\.json, metrics\.jsonl.*overwrite_output_dir: true/s);
  assert.equal(end.error?.location?.file, path);
  assert.deepEqual(snapshot(), before);
});

test('overwrite_output_dir: true writes into such a folder, as asked', async () => {
  const { dir } = writeConfig();
  const { victim } = victimBeside(dir);
  const { path } = writeConfig({ trainingArgs: { output_dir: victim, overwrite_output_dir: true } });
  const { end } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  assert.match(readFileSync(join(victim, 'metrics.jsonl'), 'utf8'), /"runStart"/);
});

test('a folder holding only what the Slurm launcher wrote before the job started is a fresh run, not foreign', async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { save_strategy: 'no' } });
  mkdirSync(outputDir, { recursive: true });
  for (const name of ['slurm.sbatch', 'slurm-job.json', 'slurm-31.out', 'slurm-31.err', 'slurm-33_2.err']) writeFileSync(join(outputDir, name), '');
  const { end } = await run(path);
  assert.equal(end.status, 'completed', end.error?.message);
  // Anything else still makes the folder someone else's.
  const { path: other, outputDir: otherDir } = writeConfig({ trainingArgs: { save_strategy: 'no' } });
  mkdirSync(otherDir, { recursive: true });
  writeFileSync(join(otherDir, 'slurm.sbatch'), '');
  writeFileSync(join(otherDir, 'notes.txt'), 'mine');
  assert.equal((await run(other)).end.status, 'failed');
});

test('a run of ours without checkpoints is started afresh in place, as before', async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { save_strategy: 'no' } });
  assert.equal((await run(path)).end.status, 'completed');
  const second = await run(path);
  assert.equal(second.end.status, 'completed', second.end.error?.message);
  const types = readFileSync(join(outputDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type);
  assert.equal(types.filter((t) => t === 'runStart').length, 1, 'the old record was replaced');
});

test('an untrusted run (--no-user-code) refuses output_dir: ../victim through the CLI, and victim is untouched', async () => {
  const { dir } = writeConfig();
  const { victim, snapshot } = victimBeside(dir);
  const before = snapshot();
  // Even with overwrite_output_dir: an untrusted config must not choose where it writes outside its folder.
  const { path } = writeConfig({ trainingArgs: { output_dir: join('..', victim.split('/').at(-1) as string), overwrite_output_dir: true } });
  const cli = startCli(['train', path, '--json', '--no-user-code', '--max-steps', '2']);
  assert.equal(await cli.exited, 1, cli.stderr());
  const end = cli.events.at(-1);
  assert.ok(end?.type === 'runEnd' && end.status === 'failed');
  assert.match(end.error?.message ?? '', /Refused: output_dir .*victim-.* is outside .*the folder of the config/);
  assert.deepEqual(snapshot(), before);
});

test('an untrusted run may write inside the config folder, and inside --workspace-root', async () => {
  const { dir, path } = writeConfig();
  assert.equal((await run(path, { allowUserCode: false })).end.status, 'completed');
  mkdirSync(join(dir, 'configs'));
  const config = join(dir, 'configs', 'x.trainer.yaml');
  writeFileSync(config, readFileSync(path, 'utf8').replace('output_dir: "out"', 'output_dir: "../runs/x"'));
  assert.equal((await run(config, { allowUserCode: false })).end.status, 'failed', 'outside the config folder');
  const allowed = await run(config, { allowUserCode: false, workspaceRoot: dir });
  assert.equal(allowed.end.status, 'completed', allowed.end.error?.message);
  assert.ok(existsSync(join(dir, 'runs', 'x', 'metrics.jsonl')));
});

test('an untrusted run refuses a symbolic link inside the folder that leads out of it', async () => {
  const { dir } = writeConfig();
  const { victim, snapshot } = victimBeside(dir);
  const before = snapshot();
  spawnSync('ln', ['-s', victim, join(dir, 'escape')]);
  const { path } = writeConfig();
  writeFileSync(join(dir, 'link.trainer.yaml'), readFileSync(path, 'utf8').replace('output_dir: "out"', 'output_dir: "escape/run"'));
  const { end } = await run(join(dir, 'link.trainer.yaml'), { allowUserCode: false });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /is outside/);
  assert.deepEqual(snapshot(), before);
});

/** A pid no process has: one of a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function fakeTemp(outputDir: string, name: string, withState: boolean): void {
  mkdirSync(join(outputDir, name), { recursive: true });
  writeFileSync(join(outputDir, name, 'model.safetensors'), 'partial');
  if (withState) writeFileSync(join(outputDir, name, 'trainer_state.json'), '{"global_step": 1, "log_history": []}\n');
}

test("the next run clears temporary folders of killed saves, keeps a live process's, and restores a re-save's old checkpoint", async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { save_strategy: 'steps', save_steps: 1, eval_strategy: 'no' } });
  assert.equal((await run(path)).end.status, 'completed');
  const dead = deadPid();
  const live = process.ppid; // the test runner: alive, and not this process
  fakeTemp(outputDir, `.checkpoint-3.tmp-${dead}`, false);
  fakeTemp(outputDir, `.checkpoint-4.tmp-${process.pid}`, true);
  fakeTemp(outputDir, `.checkpoint-5.tmp-${live}`, false);
  // Killed between the renames of a re-save of step 1: checkpoint-1 is missing, its old folder holds it.
  cpSync(join(outputDir, 'checkpoint-1'), join(outputDir, `.checkpoint-1.tmp-${dead}.old`), { recursive: true });
  cpSync(join(outputDir, 'checkpoint-1'), join(outputDir, `.checkpoint-1.tmp-${dead}`), { recursive: true });
  spawnSync('rm', ['-rf', join(outputDir, 'checkpoint-1')]);

  const resumed = await run(path, { resume: join(outputDir, 'checkpoint-2'), maxSteps: 3 });
  assert.equal(resumed.end.status, 'completed', resumed.end.error?.message);
  const left = readdirSync(outputDir).filter((name) => name.startsWith('.'));
  assert.deepEqual(left, [`.checkpoint-5.tmp-${live}`], 'only the live process keeps its folder');
  assert.equal((await readCheckpoint(join(outputDir, 'checkpoint-1'))).step, 1, 'the re-saved checkpoint is back, whole');
});

test('overwrite_output_dir clears temporary folders too', async () => {
  const { path, outputDir } = writeConfig({ trainingArgs: { overwrite_output_dir: true } });
  assert.equal((await run(path)).end.status, 'completed');
  fakeTemp(outputDir, `.checkpoint-9.tmp-${deadPid()}`, false);
  assert.equal((await run(path)).end.status, 'completed');
  assert.deepEqual(readdirSync(outputDir).filter((name) => name.startsWith('.')), []);
});

test('an untrusted run refuses a TensorBoard logging_dir outside the config folder, and creates nothing there', async () => {
  const { dir } = writeConfig();
  const outside = join(dir, '..', `tb-${dir.split('-').at(-1)}`);
  const { path } = writeConfig({ trainingArgs: { report_to: 'tensorboard', logging_dir: outside } });
  const { end } = await run(path, { allowUserCode: false });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /Refused: logging_dir .*tb-.* is outside/);
  assert.equal(end.error?.location?.line, readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('logging_dir')) + 1);
  assert.ok(!existsSync(outside));
  assert.equal((await run(path)).end.status, 'completed', 'a trusted run may write there');
});
