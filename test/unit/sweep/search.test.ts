import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Asha } from '../../../src/sweep/asha';
import { gridTrials, randomTrials } from '../../../src/sweep/space';
import { foldSweepRecords, parseSweepJsonl, renderCsv, renderTable, type SweepHeader, type TrialRecord } from '../../../src/sweep/results';

test('grid: every combination in file order, the last parameter fastest, capped by trials', () => {
  const params = [
    { path: 'a', spec: { values: [1, 2] } },
    { path: 'b', spec: { values: ['x', 'y', 'z'] } },
  ];
  assert.deepEqual(gridTrials(params).map((t) => `${t.a}${t.b}`), ['1x', '1y', '1z', '2x', '2y', '2z']);
  assert.equal(gridTrials(params, 4).length, 4);
});

test('random: seeded and reproducible, within bounds, log-uniform spread over decades, ints inclusive', () => {
  const params = [
    { path: 'lr', spec: { distribution: 'log_uniform' as const, min: 1e-5, max: 1e-1 } },
    { path: 'p', spec: { distribution: 'uniform' as const, min: 0.1, max: 0.3 } },
    { path: 'n', spec: { distribution: 'int_uniform' as const, min: 2, max: 4 } },
    { path: 'c', spec: { values: ['a', 'b'] } },
  ];
  const a = randomTrials(params, 400, 7);
  assert.deepEqual(a, randomTrials(params, 400, 7));
  assert.notDeepEqual(a, randomTrials(params, 400, 8));
  for (const t of a) {
    assert.ok((t.lr as number) >= 1e-5 && (t.lr as number) <= 1e-1);
    assert.ok((t.p as number) >= 0.1 && (t.p as number) <= 0.3);
    assert.ok([2, 3, 4].includes(t.n as number));
  }
  // Log-uniform: about a quarter of the draws in each of the four decades.
  const decades = [0, 0, 0, 0];
  for (const t of a) decades[Math.min(3, Math.floor(Math.log10(t.lr as number) + 5))]++;
  for (const count of decades) assert.ok(count > 60 && count < 140, `decades ${decades}`);
  assert.deepEqual(new Set(a.map((t) => t.n)), new Set([2, 3, 4]));
  assert.deepEqual(new Set(a.map((t) => t.c)), new Set(['a', 'b']));
});

test('ASHA: a trial continues only in the top floor(n/eta) at its rung (Li et al. 2018); the best so far passes while n < eta', () => {
  const asha = new Asha({ minSteps: 2, reductionFactor: 2, greaterIsBetter: false });
  assert.equal(asha.rungStep(0), 2);
  assert.equal(asha.rungStep(2), 8);
  // Rung 0 (step 2): lower is better.
  assert.equal(asha.report('a', 2, 0.5, 100).stop, false, 'first at the rung: best so far');
  assert.equal(asha.report('b', 2, 0.7, 100).stop, true, 'n=2, keep floor(2/2)=1: b ranks 2nd');
  assert.equal(asha.report('c', 2, 0.4, 100).stop, false, 'n=3, keep 1: c is best');
  const d = asha.report('d', 2, 0.45, 100);
  assert.equal(d.stop, false, 'n=4, keep 2: d ranks 2nd');
  assert.match(d.reason ?? '', /rank 2 of 4 at rung 0 \(step 2\); top 2 continue/);
  assert.equal(asha.report('e', 2, 0.6, 100).stop, true, 'n=5, keep 2: e ranks 4th');
  // Evaluations between rungs record nothing; a jump past two rungs is judged at each.
  assert.equal(asha.report('a', 3, 0.1, 100).stop, false);
  assert.equal(asha.recorded(1).size, 0);
  assert.equal(asha.report('c', 8, 0.3, 100).stop, false, 'c reaches rungs 1 and 2 at once, first at both');
  assert.deepEqual([...asha.recorded(1).keys()], ['c']);
  assert.equal(asha.report('a', 4, 0.35, 100).stop, true, 'rung 1: n=2, keep 1, a (0.35) is behind c (0.3)');
  // A rung at or past the trial's last step never stops it.
  const end = new Asha({ minSteps: 2, reductionFactor: 2, greaterIsBetter: true });
  end.report('x', 2, 0.9, 2);
  assert.equal(end.report('y', 2, 0.1, 2).stop, false);
  assert.equal(end.recorded(0).size, 0);
  // A non-finite objective stops the trial.
  assert.equal(end.report('z', 1, Number.NaN, 10).stop, true);
});

test('sweep.jsonl folds to each trial\'s last record; the table ranks by the objective; CSV quotes and keeps precision', () => {
  const header: SweepHeader = { type: 'sweep', name: 's', sweepFile: '/s.sweep.yaml', basePath: '/b.trainer.yaml', objective: { key: 'eval_loss', greaterIsBetter: false }, parameters: ['lr', 'tag'], trials: 2, target: 'local', time: 0 };
  const t = (trial: number, status: TrialRecord['status'], best?: number): TrialRecord => ({ type: 'trial', trial, runDir: `/r/trial-${trial}`, params: { lr: 0.012345678, tag: 'a,"b"' }, status, ...(best !== undefined ? { best, step: 6 } : {}), time: 0 });
  const text = [header, t(0, 'running'), t(1, 'running'), t(1, 'completed', 0.4), t(0, 'pruned', 0.6)].map((r) => JSON.stringify(r)).join('\n') + '\n{"torn":';
  const state = foldSweepRecords(parseSweepJsonl(text));
  assert.deepEqual(state.trials.map((x) => x.status), ['pruned', 'completed']);
  const table = renderTable(state).split('\n');
  assert.match(table[0], /^trial +status +lr +tag +best eval_loss +step +run$/);
  assert.match(table[2], /^1 +completed +0\.01235 +a,"b" +0\.4 +6 +\/r\/trial-1$/);
  assert.match(table[3], /^0 +pruned/);
  const csv = renderCsv(state).split('\n');
  assert.equal(csv[0], 'trial,status,lr,tag,best,best_step,last,step,run_dir,reason');
  assert.equal(csv[1], '0,pruned,0.012345678,"a,""b""",0.6,,,6,/r/trial-0,');
});
