/**
 * An immutable (step, value) series with O(1) amortised append, so the store can stay a pure
 * reducer and still take 100k points. Series values share their buffers: a series only ever reads
 * indices below its own `length`, and an append writes in place only when nothing beyond that
 * length exists yet (the usual case: the newest state appends). Appending to an older state, or
 * after a rewind, copies first. So no state ever sees another state's points.
 */

export interface Series {
  /** Shared buffers; only indices < length belong to this series. */
  readonly xs: readonly number[];
  readonly ys: readonly number[];
  readonly length: number;
}

export const EMPTY_SERIES: Series = Object.freeze({ xs: [], ys: [], length: 0 });

/** Index of the first point whose x >= `x` (binary search; xs are strictly increasing). */
function lowerBound(s: Series, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of points with x <= `x`. */
function upperBound(s: Series, x: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Keeps the points with x <= `x`. */
export function truncateAfter(s: Series, x: number): Series {
  const n = upperBound(s, x);
  return n === s.length ? s : { xs: s.xs, ys: s.ys, length: n };
}

/**
 * Appends (x, y). A point at or before the last x rewinds the series first (drops the points at
 * x and after): a resumed run re-logs the steps after its checkpoint, and the chart must continue
 * from there without duplicates.
 */
export function appendPoint(s: Series, x: number, y: number): Series {
  let base = s;
  if (base.length > 0 && x <= base.xs[base.length - 1]) base = { xs: base.xs, ys: base.ys, length: lowerBound(base, x) };
  let xs = base.xs as number[];
  let ys = base.ys as number[];
  if (xs.length !== base.length) {
    xs = xs.slice(0, base.length);
    ys = ys.slice(0, base.length);
  }
  xs.push(x);
  ys.push(y);
  return { xs, ys, length: base.length + 1 };
}

export function lastY(s: Series): number | undefined {
  return s.length > 0 ? s.ys[s.length - 1] : undefined;
}

/** The points as plain arrays of exactly `length` entries (for charts and tests). */
export function seriesArrays(s: Series): { x: number[]; y: number[] } {
  return { x: s.xs.slice(0, s.length), y: s.ys.slice(0, s.length) };
}
