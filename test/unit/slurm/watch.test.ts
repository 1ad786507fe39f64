/**
 * A Slurm run followed like a local one (src/launcher/slurm/watch through the client's RunManager),
 * on the real one-node cluster (scripts/slurm-cluster.sh start; FTS_REQUIRE_SLURM=1 makes a missing
 * cluster fail): metrics from metrics.jsonl, the job's states as `job` events, a stop through
 * scancel INT, a failing job's state, exit code and stderr tail, and a job that never starts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RunManager, type RunState } from '../../../client/run-manager';
import { SlurmJobs } from '../../../src/launcher/slurm/job';
import { launchSlurmRun } from '../../../src/launcher/slurm/launch';
import type { ClusterConfig } from '../../../src/launcher/slurm/schema';
import type { JobEvent, TrainerEvent } from '../../../src/protocol/events';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'src/cli/main.ts');
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
training_args: { output_dir: runs/${name}, max_steps: ${maxSteps}, per_device_train_batch_size: 16, logging_steps: 5, save_strategy: 'no', seed: 3 }
`,
  );
  return path;
}

const jobEvents = (run: RunState) => run.events.filter((e): e is JobEvent => e.type === 'job');
const until = (manager: RunManager, accept: (run: RunState) => boolean) =>
  new Promise<RunState>((done) => {
    const check = (run: RunState) => accept(run) && (manager.off('changed', check), done(run));
    manager.on('changed', check);
  });

describe('a Slurm run followed by the run manager', { skip }, () => {
  const jobs = new SlurmJobs();
  const manager = () => new RunManager({ entry: { modulePath: CLI }, stopGraceMs: 30_000 });

  test('metrics arrive from metrics.jsonl with the job state; Stop is scancel INT and the run ends stopped with a checkpoint', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-watch-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const runs = manager();
    const configPath = writeConfig(dir, 'watched', 400);
    let jobId = '';
    const run = await runs.adopt({ configPath }, async () => {
      const launched = await launchSlurmRun({ configPath, cluster: CLUSTER, command: COMMAND, jobs, pollMs: 200 });
      jobId = launched.run.jobId;
      return launched.watch;
    });
    t.after(() => jobs.cancel(jobId).catch(() => undefined));
    await until(runs, (r) => r.id === run.id && r.progress.step >= 10);
    assert.equal(run.phase, 'running');
    assert.equal(run.progress.job?.state, 'RUNNING');
    assert.equal(run.progress.backend?.name, 'cpu');
    const end = await runs.stop(run.id);
    assert.equal(end?.status, 'stopped');
    assert.ok(end?.checkpoint, 'a checkpoint was written at the stop');
    assert.equal(run.phase, 'stopped');
    assert.deepEqual(jobEvents(run).map((e) => [e.jobId, e.state, e.active]).at(-1), [jobId, 'COMPLETED', false]);
    assert.equal(run.events.filter((e) => e.type === 'runEnd').length, 1);
  });

  test('a job that fails before training: the run fails with the Slurm state, exit code and the tail of its stderr', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-watch-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const runs = manager();
    const configPath = writeConfig(dir, 'broken', 50);
    // A setup line that fails as a missing module would on a real cluster.
    const cluster = { ...CLUSTER, setup: ['echo "Lmod has detected the following error: nodejs/99 not found" >&2', 'exit 7'] };
    const run = await runs.adopt({ configPath }, async () => (await launchSlurmRun({ configPath, cluster, command: COMMAND, jobs, pollMs: 200 })).watch);
    const end = await runs.whenEnded(run.id);
    assert.equal(run.phase, 'failed');
    const job = jobEvents(run).at(-1);
    assert.equal(job?.state, 'FAILED');
    assert.equal(job?.active, false);
    assert.equal(job?.exitCode, 7);
    assert.equal(job?.reason, 'NonZeroExitCode');
    assert.deepEqual(job?.stderrTail, ['Lmod has detected the following error: nodejs/99 not found']);
    assert.match(job?.stderrFile ?? '', new RegExp(`runs/broken/slurm-${job?.jobId}\\.err$`));
    assert.match(end?.error?.message ?? '', new RegExp(`^Slurm job ${job?.jobId} ended FAILED, exit code 7\\. See .*slurm-${job?.jobId}\\.err\\.$`));
  });

  test('a job that never starts: a warning names its pending reason; stopping it cancels it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-watch-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const runs = manager();
    const configPath = writeConfig(dir, 'held', 50);
    const cluster = { ...CLUSTER, sbatch: ['--begin=now+3600'] };
    const run = await runs.adopt({ configPath }, async () => (await launchSlurmRun({ configPath, cluster, command: COMMAND, jobs, pollMs: 200, pendingWarningMs: 1500 })).watch);
    const warned = await until(runs, (r) => r.id === run.id && r.events.some((e) => e.type === 'message'));
    const warning = warned.events.find((e): e is Extract<TrainerEvent, { type: 'message' }> => e.type === 'message');
    const jobId = jobEvents(run)[0]?.jobId;
    assert.equal(warning?.level, 'warning');
    assert.match(warning?.text ?? '', new RegExp(`^Slurm job ${jobId} is still pending after \\d+ s \\(BeginTime\\)\\. Check the partition, gres, time and account in the cluster file \\(squeue -j ${jobId}\\), or stop it\\.$`));
    assert.equal(run.progress.status, 'running');
    // A pending job has no trainer to checkpoint: Stop cancels it.
    const end = await runs.stop(run.id);
    assert.equal(end?.status, 'failed');
    assert.equal(jobEvents(run).at(-1)?.state, 'CANCELLED');
    assert.match(end?.error?.message ?? '', new RegExp(`^Slurm job ${jobId} ended CANCELLED \\(scancel, or an administrator\\)`));
  });
});
