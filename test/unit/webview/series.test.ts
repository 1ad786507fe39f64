import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendPoint, EMPTY_SERIES, seriesArrays, truncateAfter, type Series } from '../../../webview/series';
import { emaSmooth } from '../../../webview/smoothing';

const build = (xs: number[]): Series => xs.reduce((s, x) => appendPoint(s, x, x * 10), EMPTY_SERIES);

test('appending to an older state never changes newer or older states', () => {
  const a = build([1, 2, 3]);
  const b = appendPoint(a, 4, 40);
  const c = appendPoint(a, 5, 50); // forks from a
  const d = appendPoint(b, 6, 60); // appends in place to b's buffer
  assert.deepEqual(seriesArrays(a).x, [1, 2, 3]);
  assert.deepEqual(seriesArrays(b).x, [1, 2, 3, 4]);
  assert.deepEqual(seriesArrays(c).x, [1, 2, 3, 5]);
  assert.deepEqual(seriesArrays(d).x, [1, 2, 3, 4, 6]);
});

test('rewind and truncate', () => {
  const s = build([1, 2, 3, 4, 5]);
  assert.deepEqual(seriesArrays(appendPoint(s, 3, 0)), { x: [1, 2, 3], y: [10, 20, 0] });
  assert.deepEqual(seriesArrays(truncateAfter(s, 3.5)).x, [1, 2, 3]);
  assert.deepEqual(seriesArrays(truncateAfter(s, 3)).x, [1, 2, 3]);
  assert.equal(truncateAfter(s, 9), s);
  assert.deepEqual(seriesArrays(s).x, [1, 2, 3, 4, 5]);
});

test('EMA smoothing matches TensorBoard (debiased) and passes NaN through', () => {
  assert.deepEqual(emaSmooth([1, 2, 3], 0), [1, 2, 3]);
  const out = emaSmooth([1, 1, 1], 0.9);
  for (const v of out) assert.ok(Math.abs(v - 1) < 1e-12, 'a constant stays constant (debiased)');
  const [a, b, c] = emaSmooth([0, Number.NaN, 10], 0.5);
  assert.equal(a, 0);
  assert.ok(Number.isNaN(b));
  // last = 0*0.5 + 0.5*10 = 5; debias 1 - 0.25 = 0.75
  assert.ok(Math.abs(c - 5 / 0.75) < 1e-12);
});
