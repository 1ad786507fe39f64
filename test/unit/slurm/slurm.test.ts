/**
 * The Slurm launcher against a real one-node cluster (scripts/slurm-cluster.sh start; .ci/run
 * starts it and sets FTS_REQUIRE_SLURM=1, under which a missing cluster fails instead of skipping).
 * Jobs run the trainer from source (node --import tsx) on the cpu backend.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SlurmCommandError, SlurmCommands, shellQuote } from '../../../src/launcher/slurm/commands';
import { SlurmJobs } from '../../../src/launcher/slurm/job';
import type { ClusterConfig } from '../../../src/launcher/slurm/schema';
import { renderSbatchScript } from '../../../src/launcher/slurm/script';
import { submitRun } from '../../../src/launcher/slurm/submit';
import { runSlurmSweep } from '../../../src/launcher/slurm/sweep';
import { loadSweepFile } from '../../../src/sweep/load';
import { planSweep } from '../../../src/sweep/plan';
import { foldSweepRecords, parseSweepJsonl } from '../../../src/sweep/results';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'src/cli/main.ts');
/** node + tsx by absolute path: the job's working directory is the run directory. */
const COMMAND = [process.execPath, '--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, CLI];
const DATA = join(ROOT, 'test/fixtures/workspace/data');
const CLUSTER: ClusterConfig = { setup: [], sbatch: [], signal_seconds: 120 };

const clusterUp = spawnSync(join(ROOT, 'scripts/slurm-cluster.sh'), ['status']).status === 0;
const skip = !clusterUp && process.env.FTS_REQUIRE_SLURM !== '1' && 'no Slurm cluster (scripts/slurm-cluster.sh start)';

function writeConfig(dir: string, name: string, maxSteps: number): string {
  const path = join(dir, `${name}.trainer.yaml`);
  writeFileSync(
    path,
    `model: { architecture: text-classifier, num_labels: 2, embedding_dim: 8, vocab_size: 200, max_length: 16 }
data: { train_file: ${JSON.stringify(join(DATA, 'train.jsonl'))}, eval_file: ${JSON.stringify(join(DATA, 'valid.jsonl'))} }
backend: cpu
training_args:
  output_dir: runs/${name}
  max_steps: ${maxSteps}
  per_device_train_batch_size: 16
  learning_rate: 1.0e-2
  logging_steps: 5
  save_strategy: 'no'
  seed: 3
`,
  );
  return path;
}

type Event = { type: string; step?: number; loss?: number; status?: string; checkpoint?: string };
const events = (runDir: string): Event[] =>
  existsSync(join(runDir, 'metrics.jsonl')) ? readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event) : [];
/** step → loss over every log event (a resumed run repeats nothing: it continues after the checkpoint). */
const lossLog = (runDir: string) => events(runDir).filter((e) => e.type === 'log').map((e) => [e.step, e.loss]);

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a missing sbatch is a clear error naming what to do', async () => {
  const jobs = new SlurmJobs(new SlurmCommands({ binDir: '/nonexistent/slurm/bin' }));
  await assert.rejects(jobs.submit('/tmp/x.sbatch'), (e: Error) => e instanceof SlurmCommandError && /sbatch was not found \(looked for \/nonexistent\/slurm\/bin\/sbatch on PATH\): is Slurm installed here\? .*ssh_host/.test(e.message));
});

test('the sbatch script: directives, quoted paths, signal forwarding and requeue', () => {
  const script = renderSbatchScript({
    jobName: 'lr', runDirs: ["/runs/it's"], configPaths: ['/runs/a b.trainer.yaml'], logDir: '/runs', command: ['/usr/bin/node', '/cli.js'],
    cluster: { ...CLUSTER, partition: 'gpu', gres: 'gpu:1', mem: '8G', time: '01:00:00', setup: ['module load node'], sbatch: ['--qos=short\n#SBATCH --evil'] },
  });
  for (const line of ['#SBATCH --partition=gpu', '#SBATCH --gres=gpu:1', '#SBATCH --signal=B:USR1@120', '#SBATCH --requeue', '#SBATCH --open-mode=append', '#SBATCH --qos=short #SBATCH --evil', 'module load node', `RUN_DIRS=('/runs/it'\\''s')`, `CONFIGS=('/runs/a b.trainer.yaml')`, 'scontrol requeue "$SLURM_JOB_ID"']) {
    assert.ok(script.split('\n').map((l) => l.trim()).includes(line), `${line}\n---\n${script}`);
  }
  assert.equal(shellQuote("a'b c"), `'a'\\''b c'`);
});

describe('on a real Slurm cluster', { skip }, () => {
  const jobs = new SlurmJobs();

  test('bad submissions: a non-zero sbatch exit shows its stderr; a job never scheduled times out with its reason', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = writeConfig(dir, 'bad', 5);
    await assert.rejects(submitRun({ configPath: config, cluster: { ...CLUSTER, partition: 'nope' }, command: COMMAND, jobs }), /sbatch failed \(exit 1\): sbatch: error: invalid partition specified: nope/);
    const held = await submitRun({ configPath: config, cluster: { ...CLUSTER, sbatch: ['--begin=now+3600'] }, command: COMMAND, jobs });
    t.after(() => jobs.cancel(held.jobId));
    await assert.rejects(jobs.waitForStart(held.jobId, 1500), new RegExp(`job ${held.jobId} did not start within 2 s: ${held.jobId} PENDING \\(BeginTime\\)\\. Check the partition`));
  });

  test('submit, watch metrics arrive, stop with scancel INT, resume: the loss log equals an uninterrupted run; so does a USR1 preemption with requeue', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const steps = 200;
    // The reference: the same config, run to the end without interruption, locally.
    const reference = writeConfig(dir, 'reference', steps);
    const local = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'train', reference, '--json'], { encoding: 'utf8' });
    assert.equal(local.status, 0, local.stderr);
    const expected = lossLog(join(dir, 'runs/reference'));
    assert.equal(expected.length, steps / 5);

    const stopped = await submitRun({ configPath: writeConfig(dir, 'stopped', steps), cluster: CLUSTER, command: COMMAND, jobs });
    const preempted = await submitRun({ configPath: writeConfig(dir, 'preempted', steps), cluster: CLUSTER, command: COMMAND, jobs });
    t.after(() => jobs.cancel(`${stopped.jobId},${preempted.jobId}`).catch(() => undefined));
    assert.ok(existsSync(stopped.scriptPath));
    // Live metrics on the shared filesystem.
    await until('the first log events of both jobs', 60_000, () => lossLog(stopped.runDir).length > 0 && lossLog(preempted.runDir).length > 0);
    await jobs.stop(stopped.jobId);
    await jobs.preempt(preempted.jobId);

    const ended = await jobs.waitForEnd(stopped.jobId, 30_000);
    assert.equal(ended[0].state, 'COMPLETED');
    const stopEnd = events(stopped.runDir).at(-1);
    assert.equal(stopEnd?.status, 'stopped');
    assert.ok(stopEnd?.checkpoint && existsSync(join(stopEnd.checkpoint, 'trainer_state.json')));
    assert.ok((stopEnd.step ?? steps) < steps, 'stopped before the end');
    const resumed = await submitRun({ configPath: join(dir, 'stopped.trainer.yaml'), cluster: CLUSTER, command: COMMAND, jobs, resume: true });

    // The preempted job checkpoints, requeues itself, and waits (Slurm holds a requeued job with a
    // BeginTime); release it as the scheduler would after the preemption.
    await until('the preempted job to requeue', 30_000, () => events(preempted.runDir).some((e) => e.type === 'runEnd' && e.status === 'stopped'));
    await jobs.waitFor(preempted.jobId, (s) => s[0]?.state === 'PENDING', 30_000, 'requeue');
    // slurmd revokes the killed job's credential with one-second resolution: an allocation in that
    // same second is refused ("Job credential revoked") and the job FAILs. Slurm's own hold on a
    // requeued job avoids this; releasing it early must wait out that second too.
    await new Promise((r) => setTimeout(r, 2_000));
    await jobs.commands.run('scontrol', ['update', `JobId=${preempted.jobId}`, 'StartTime=now']);

    await jobs.waitForEnd(resumed.jobId, 90_000);
    const errFile = join(preempted.runDir, `slurm-${preempted.jobId}.err`);
    await jobs
      .waitFor(preempted.jobId, (s) => s[0]?.state === 'COMPLETED' && events(preempted.runDir).at(-1)?.status === 'completed', 90_000, 'complete after the requeue')
      .catch((error: Error) => assert.fail(`${error.message}\n${existsSync(errFile) ? readFileSync(errFile, 'utf8') : ''}\n${JSON.stringify(events(preempted.runDir).filter((e) => e.type !== 'log' && e.type !== 'progress'))}`));
    assert.equal(events(resumed.runDir).at(-1)?.status, 'completed');
    assert.deepEqual(lossLog(stopped.runDir), expected, 'stop + resume');
    assert.deepEqual(lossLog(preempted.runDir), expected, 'USR1 + requeue');
    assert.match(readFileSync(join(preempted.runDir, `slurm-${preempted.jobId}.err`), 'utf8'), /requeueing job/);
  });

  test('a 4-trial sweep is one job array running two at a time; metrics come from the shared filesystem', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'array.sweep.yaml');
    writeFileSync(file, `base: ${JSON.stringify(join(ROOT, 'test/fixtures/sweep/tiny.trainer.yaml'))}\nmethod: grid\nparameters:\n  training_args.learning_rate: { values: [0.2, 0.1, 1.0e-5, 1.0e-6] }\nobjective: { metric_for_best_model: loss }\n`);
    const sweep = loadSweepFile(file).sweep;
    assert.ok(sweep);
    const plan = planSweep(sweep, 'slurm');
    let maxRunning = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const { stdout } = await jobs.commands.run('squeue', ['-h', '-t', 'RUNNING', '-n', 'array', '-o', '%i']);
        maxRunning = Math.max(maxRunning, stdout.trim().split('\n').filter(Boolean).length);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const records = await runSlurmSweep({ sweep, plan, parallel: 2, log: () => undefined, cli: { execPath: COMMAND[0], args: COMMAND.slice(1) }, jobs, pollMs: 300 });
    watching = false;
    await watch;
    assert.deepEqual(records.map((r) => r.status), ['completed', 'completed', 'completed', 'completed'], JSON.stringify(records, null, 1));
    assert.ok(records.every((r, i) => new RegExp(`^\\d+_${i}$`).test(r.jobId ?? '')));
    assert.ok(maxRunning >= 1 && maxRunning <= 2, `at most two tasks ran at once (saw ${maxRunning})`);
    const state = foldSweepRecords(parseSweepJsonl(readFileSync(plan.jsonlPath, 'utf8')));
    assert.equal(state.header?.target, 'slurm');
    assert.ok(state.trials.every((r) => r.best !== undefined && r.step === 100));
  });
});
