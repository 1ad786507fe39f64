import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { foldSweepRecords, parseSweepJsonl } from '../../../src/sweep/results';

const CLI = resolve(__dirname, '../../../src/cli/main.ts');
const BASE = resolve(__dirname, '../../fixtures/sweep/tiny.trainer.yaml');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

test('sweep --parallel 2: four trials as ordinary run directories, ASHA prunes the two slow learners with a checkpoint', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Trials 0 and 1 learn (large rates) and run first; 2 and 3 barely move, reach rung 0 (step 2)
  // after both good ones are recorded there, and rank below the top floor(n/2): they are pruned.
  const file = join(dir, 'lr.sweep.yaml');
  writeFileSync(
    file,
    `base: ${JSON.stringify(BASE)}
method: grid
parameters:
  training_args.learning_rate: { values: [0.2, 0.1, 1.0e-5, 1.0e-6] }
objective: { metric_for_best_model: loss }
early_termination: { min_steps: 2, reduction_factor: 2 }
`,
  );
  const result = await run(['sweep', file, '--parallel', '2']);
  assert.equal(result.code, 0, result.stderr);
  const sweepDir = join(dir, 'runs', 'lr');
  const state = foldSweepRecords(parseSweepJsonl(readFileSync(join(sweepDir, 'sweep.jsonl'), 'utf8')));
  assert.equal(state.header?.trials, 4);
  assert.deepEqual(state.header?.objective, { key: 'eval_loss', greaterIsBetter: false });
  assert.deepEqual(state.trials.map((x) => x.trial), [0, 1, 2, 3]);
  assert.deepEqual(state.trials.slice(2).map((x) => x.status), ['pruned', 'pruned'], JSON.stringify(state.trials, null, 1));
  for (const trial of state.trials.slice(2)) assert.match(trial.reason ?? '', /at rung 0 \(step 2\)/);
  assert.ok(state.trials.slice(0, 2).every((x) => x.status === 'completed' || x.status === 'pruned'));
  for (const trial of state.trials) {
    // Each trial is an ordinary run: its resolved config records the trial's value.
    const resolved = JSON.parse(readFileSync(join(trial.runDir, 'config.resolved.json'), 'utf8')) as { training_args: { learning_rate: number; output_dir: string } };
    assert.equal(resolved.training_args.learning_rate, trial.params['training_args.learning_rate']);
    assert.equal(resolved.training_args.output_dir, trial.runDir);
    const events = readFileSync(join(trial.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; checkpoint?: string });
    const end = events.at(-1);
    if (trial.status === 'pruned') {
      assert.match(trial.reason ?? '', /pruned by ASHA: rank \d of \d at rung \d \(step \d+\)/);
      assert.equal(end?.status, 'stopped');
      assert.ok(end?.checkpoint && existsSync(join(end.checkpoint, 'trainer_state.json')), 'a pruned trial keeps a resumable checkpoint');
      assert.ok((trial.step ?? 0) < 100);
    } else {
      assert.equal(end?.status, 'completed');
      assert.equal(trial.step, 100);
    }
  }
  assert.ok(state.trials[2].best !== undefined && state.trials[0].best !== undefined && state.trials[2].best > state.trials[0].best);
  const csv = readFileSync(join(sweepDir, 'sweep.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 5);
  assert.equal(csv[0], 'trial,status,training_args.learning_rate,best,best_step,last,step,run_dir,reason');
  // The table, best first.
  const lines = result.stdout.trim().split('\n');
  assert.match(lines[0], /^trial +status +training_args\.learning_rate +best eval_loss +step +run$/);
  assert.equal(lines.length, 6);
  assert.match(lines.at(-1) ?? '', /pruned/);
});

test('sweep: a bad sweep file exits 1 with file:line:col problems and starts nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.sweep.yaml');
  writeFileSync(file, `base: ${JSON.stringify(BASE)}\ntrials: 2\nparameters:\n  training_args.learnig_rate: { values: [0.1] }\n`);
  const result = await run(['sweep', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:3: error: \`training_args.learnig_rate\` is not a trainer-config field; did you mean \`training_args.learning_rate\`\\? \\[FTS300\\]`));
  assert.equal(existsSync(join(dir, 'runs')), false);
  const usage = await run(['sweep', file, '--parallel', '0']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--parallel needs a positive integer/);
});
