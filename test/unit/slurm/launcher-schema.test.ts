/**
 * One cluster schema in three places: a `*.cluster.yaml`, `launcher:` in a trainer config and in a
 * sweep file accept the same keys and refuse the same mistakes, at the key's position.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfigFile } from '../../../src/cli/config-host';
import { formatProblem } from '../../../src/config/problems';
import { loadClusterFile } from '../../../src/launcher/slurm/load-cluster';
import { clusterFromLauncher } from '../../../src/launcher/slurm/schema';
import { loadSweepFile } from '../../../src/sweep/load';

const DATA = resolve(__dirname, '../../fixtures/workspace/data');
const LAUNCHER = 'launcher:\n  partition: gpu\n  gres: "gpu:1"\n  time: "01:00:00"\n  setup: [module load nodejs/20]\n';
const TYPO = 'launcher:\n  partiton: gpu\n';

function files(t: { after: (f: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'fts-launcher-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trainer = (extra: string) => {
    const path = join(dir, 'a.trainer.yaml');
    writeFileSync(path, `model: { architecture: text-classifier, num_labels: 2 }\ndata: { train_file: ${JSON.stringify(join(DATA, "train.jsonl"))}, eval_file: ${JSON.stringify(join(DATA, "valid.jsonl"))} }\ntraining_args: { output_dir: runs/a, max_steps: 2, eval_strategy: steps, eval_steps: 1 }\n${extra}`);
    return path;
  };
  const sweep = (extra: string) => {
    trainer('');
    const path = join(dir, 'a.sweep.yaml');
    writeFileSync(path, `base: a.trainer.yaml\nmethod: grid\nparameters:\n  training_args.learning_rate: { values: [0.1, 0.01] }\nobjective: { metric_for_best_model: loss }\n${extra}`);
    return path;
  };
  const cluster = (text: string) => {
    const path = join(dir, 'a.cluster.yaml');
    writeFileSync(path, text);
    return path;
  };
  return { trainer, sweep, cluster };
}

test('a trainer config, a sweep file and a cluster file take the same launcher keys', async (t) => {
  const f = files(t);
  const config = await loadConfigFile(f.trainer(LAUNCHER));
  assert.deepEqual(config.problems.filter((p) => p.severity === 'error'), []);
  assert.deepEqual(clusterFromLauncher(config.config?.launcher), { setup: ['module load nodejs/20'], sbatch: [], signal_seconds: 120, partition: 'gpu', gres: 'gpu:1', time: '01:00:00' });
  const sweep = loadSweepFile(f.sweep(LAUNCHER));
  assert.deepEqual(sweep.problems.filter((p) => p.severity === 'error'), []);
  assert.equal(sweep.sweep?.file.launcher?.partition, 'gpu');
  const cluster = loadClusterFile(f.cluster(LAUNCHER.replace('launcher:\n', '').replace(/^ {2}/gm, '')));
  assert.deepEqual(cluster.problems, []);
  assert.equal(cluster.cluster?.gres, 'gpu:1');
});

test('a misspelt launcher key is an error at its position in each kind of file', async (t) => {
  const f = files(t);
  const inTrainer = (await loadConfigFile(f.trainer(TYPO))).problems.filter((p) => p.severity === 'error').map(formatProblem);
  assert.equal(inTrainer.length, 1, inTrainer.join('\n'));
  assert.match(inTrainer[0], /a\.trainer\.yaml:5:3: error: .*partiton/);
  const inSweep = loadSweepFile(f.sweep(TYPO)).problems.filter((p) => p.severity === 'error').map(formatProblem);
  assert.equal(inSweep.length, 1, inSweep.join('\n'));
  assert.match(inSweep[0], /a\.sweep\.yaml:7:3: error: .*partiton/);
  const inCluster = loadClusterFile(f.cluster('partiton: gpu\n')).problems.map(formatProblem);
  assert.match(inCluster[0], /a\.cluster\.yaml:1:1: error: .*partiton/);
});

test('launcher fields are not sweep parameters', (t) => {
  const f = files(t);
  const path = f.sweep('');
  writeFileSync(path, `base: a.trainer.yaml\nmethod: grid\nparameters:\n  launcher.partition: { values: [a, b] }\n`);
  const problems = loadSweepFile(path).problems.filter((p) => p.severity === 'error').map(formatProblem);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0], /a\.sweep\.yaml:4:3: error: .*launcher\.partition/);
});
