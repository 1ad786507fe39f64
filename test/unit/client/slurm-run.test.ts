/**
 * The editor's Slurm start (client/slurm-run.ts) without a cluster: what the batch script runs,
 * and sbatch missing or refusing the job, which must leave no run adopted (the dashboard shows
 * nothing) and an error that says what to do. The cluster runs are in test/unit/slurm and the
 * integration suite (slurm.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunManager } from '../../../client/run-manager';
import { slurmNodeCommand, startSlurmRun } from '../../../client/slurm-run';
import { SlurmCommands } from '../../../src/launcher/slurm/commands';
import { SlurmJobs } from '../../../src/launcher/slurm/job';
import { DEFAULT_CLUSTER } from '../../../src/launcher/slurm/schema';

const DATA = resolve(__dirname, '../../fixtures/workspace/data');
const entry = { modulePath: '/ext/dist/cli.js' };

test('the compute node runs the cluster\'s node, else this runtime; Electron through env ELECTRON_RUN_AS_NODE=1', () => {
  assert.deepEqual(slurmNodeCommand(entry, { node: '/opt/node20/bin/node' }, { execPath: '/usr/bin/node' }), ['/opt/node20/bin/node', '/ext/dist/cli.js']);
  assert.deepEqual(slurmNodeCommand(entry, {}, { execPath: '/usr/bin/node' }), ['/usr/bin/node', '/ext/dist/cli.js']);
  assert.deepEqual(slurmNodeCommand(entry, {}, { execPath: '/opt/VSCode/code', electron: '37.2.0' }), ['env', 'ELECTRON_RUN_AS_NODE=1', '/opt/VSCode/code', '/ext/dist/cli.js']);
  assert.deepEqual(slurmNodeCommand({ ...entry, execArgv: ['--import', 'tsx'] }, {}, { execPath: '/usr/bin/node' }), ['/usr/bin/node', '--import', 'tsx', '/ext/dist/cli.js']);
});

function config(): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fts-slurm-run-'));
  const configPath = join(dir, 'job.trainer.yaml');
  writeFileSync(
    configPath,
    `model: { architecture: text-classifier, num_labels: 2, embedding_dim: 8, vocab_size: 200, max_length: 16 }
data: { train_file: ${JSON.stringify(join(DATA, 'train.jsonl'))}, text_column: text, label_column: label }
backend: cpu
training_args: { output_dir: runs/job, max_steps: 4 }
`,
  );
  return { dir, configPath };
}

test('sbatch missing: the error says so and where it looked; no run is adopted', async () => {
  const { dir, configPath } = config();
  const runs = new RunManager({ entry });
  const jobs = new SlurmJobs(new SlurmCommands({ binDir: join(dir, 'no-slurm-here') }));
  await assert.rejects(startSlurmRun(runs, { configPath, outputDir: join(dir, 'runs/job'), cluster: DEFAULT_CLUSTER, entry, jobs }), (error: Error) => {
    assert.match(error.message, /^sbatch was not found \(looked for .*no-slurm-here\/sbatch on PATH\): is Slurm installed here\? To submit from a login node, set `ssh_host` in the cluster file\./);
    return true;
  });
  assert.deepEqual(runs.list(), []);
  // The script was written before sbatch was tried: the person can read what would have run.
  assert.match(readFileSync(join(dir, 'runs/job/slurm.sbatch'), 'utf8'), /\/ext\/dist\/cli\.js train "\$CONFIG" --json/);
});

test('sbatch refusing the job (non-zero exit): its stderr is in the error; no run is adopted', async () => {
  const { dir, configPath } = config();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\necho "sbatch: error: invalid partition specified: gpu" >&2\nexit 1\n');
  chmodSync(join(bin, 'sbatch'), 0o755);
  const runs = new RunManager({ entry });
  const jobs = new SlurmJobs(new SlurmCommands({ binDir: bin }));
  await assert.rejects(
    startSlurmRun(runs, { configPath, outputDir: join(dir, 'runs/job'), cluster: { ...DEFAULT_CLUSTER, partition: 'gpu' }, entry, jobs }),
    /^Error: sbatch failed \(exit 1\): sbatch: error: invalid partition specified: gpu$/,
  );
  assert.deepEqual(runs.list(), []);
});
