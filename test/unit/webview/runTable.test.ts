import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunTable, bucketSizeFor } from '../../../webview/runTable';
import { appendPoint, EMPTY_SERIES, truncateAfter, type Series } from '../../../webview/series';
import { emaSmooth } from '../../../webview/smoothing';

const value = (x: number) => Math.sin(x * 0.37) * 3 + (x % 17 === 0 ? Number.NaN : 0) + x / 100;
function grow(s: Series, from: number, to: number): Series {
  for (let x = from; x <= to; x++) s = appendPoint(s, x, value(x));
  return s;
}
const fresh = (s: Series, smoothing: number, buckets: number) => new RunTable().update(s, smoothing, buckets);

test('small series are passed through whole, smoothed like emaSmooth, NaN as gaps', () => {
  const s = grow(EMPTY_SERIES, 1, 50);
  const [x, sm, raw] = fresh(s, 0.6, 100);
  assert.deepEqual(x, s.xs.slice(0, 50));
  const expected = emaSmooth(s.ys.slice(0, 50), 0.6).map((v) => (Number.isFinite(v) ? v : null));
  assert.deepEqual(sm, expected);
  assert.equal(raw?.[16], null, 'x = 17 is NaN');
  assert.equal(fresh(s, 0, 100).length, 2, 'no raw column without smoothing');
});

test('large series are decimated to at most 4 points per bucket, keeping extremes and ends', () => {
  const s = grow(EMPTY_SERIES, 1, 100_000);
  const [x, , raw] = fresh(s, 0.5, 500);
  const size = bucketSizeFor(100_000, 500);
  assert.equal(size, 256);
  assert.ok(x.length <= Math.ceil(100_000 / size) * 4);
  assert.equal(x[0], 1);
  assert.equal(x[x.length - 1], 100_000);
  const finite = s.ys.slice(0, s.length).filter(Number.isFinite);
  const kept = (raw as (number | null)[]).filter((v): v is number => v !== null);
  assert.equal(Math.max(...kept), Math.max(...finite));
  assert.equal(Math.min(...kept), Math.min(...finite));
  for (let i = 1; i < x.length; i++) assert.ok((x[i] as number) > (x[i - 1] as number), 'steps increase');
});

test('incremental updates equal a fresh build, through appends, bucket growth and rewinds', () => {
  const table = new RunTable();
  let s: Series = EMPTY_SERIES;
  let next = 1;
  for (const [kind, amount] of [
    ['append', 300], ['append', 1], ['append', 999], ['append', 2500], ['rewind', 1200], ['append', 4000], ['append', 7],
  ] as const) {
    if (kind === 'append') {
      s = grow(s, next, next + amount - 1);
      next += amount;
    } else {
      next -= amount;
      s = truncateAfter(s, next - 1);
    }
    assert.deepEqual(table.update(s, 0.7, 64), fresh(s, 0.7, 64), `after ${kind} ${amount}`);
  }
  assert.deepEqual(table.update(s, 0.2, 64), fresh(s, 0.2, 64), 'smoothing change');
});
