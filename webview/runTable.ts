/**
 * One run's chart columns [steps, smoothed, raw?], kept up to date incrementally: appending k
 * points to a 100k-point series costs O(k + plot width), not O(100k). Smoothing extends its running
 * EMA; decimation (M4) uses power-of-two buckets fixed by index, so only the last, partial bucket
 * is recomputed on append, and everything is rebuilt only when the bucket size doubles, the
 * smoothing changes, or the series was rewound.
 */
import type uPlot from 'uplot';
import type { Series } from './series';
import { EmaState } from './smoothing';

export class RunTable {
  private xs: readonly number[] | undefined;
  private n = 0;
  private smoothing = -1;
  private bucketSize = 0;
  private ema = new EmaState(0);
  private smoothed: number[] = [];
  /** Kept indices of the complete buckets. */
  private kept: number[] = [];
  private completeBuckets = 0;

  /** Columns for the series at this smoothing, decimated to about `buckets` buckets. */
  update(series: Series, smoothing: number, buckets: number): uPlot.AlignedData {
    const size = bucketSizeFor(series.length, buckets);
    // Buffers are append-only: same buffer and not shorter means the old points are unchanged.
    if (series.xs !== this.xs || series.length < this.n || smoothing !== this.smoothing || size !== this.bucketSize) {
      this.xs = series.xs;
      this.n = 0;
      this.smoothing = smoothing;
      this.bucketSize = size;
      this.ema = new EmaState(smoothing);
      this.smoothed = [];
      this.kept = [];
      this.completeBuckets = 0;
    }
    const ys = series.ys;
    for (let i = this.n; i < series.length; i++) this.smoothed.push(this.ema.next(ys[i]));
    this.n = series.length;
    while ((this.completeBuckets + 1) * size <= this.n) {
      pushM4(this.kept, ys, this.completeBuckets * size, (this.completeBuckets + 1) * size);
      this.completeBuckets++;
    }
    const tail: number[] = [];
    pushM4(tail, ys, this.completeBuckets * size, this.n);
    return this.columns(series, tail);
  }

  private columns(series: Series, tail: number[]): uPlot.AlignedData {
    const count = this.kept.length + tail.length;
    const x = new Array<number>(count);
    const sm = new Array<number | null>(count);
    const raw = new Array<number | null>(count);
    for (let k = 0; k < count; k++) {
      const i = k < this.kept.length ? this.kept[k] : tail[k - this.kept.length];
      x[k] = series.xs[i];
      sm[k] = finiteOrNull(this.smoothed[i]);
      raw[k] = finiteOrNull(series.ys[i]);
    }
    return this.smoothing > 0 ? [x, sm, raw] : [x, sm];
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** 1 while every point fits (4 kept per bucket), else the power of two giving <= `buckets` buckets. */
export function bucketSizeFor(length: number, buckets: number): number {
  if (length <= buckets * 4) return 1;
  return 2 ** Math.ceil(Math.log2(length / buckets));
}

/** M4 over [start, end): first, min, max, last, in index order, each once. */
function pushM4(out: number[], ys: readonly number[], start: number, end: number): void {
  if (end <= start) return;
  if (end - start <= 4) {
    for (let i = start; i < end; i++) out.push(i);
    return;
  }
  let min = -1;
  let max = -1;
  for (let i = start; i < end; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) continue;
    if (min < 0 || v < ys[min]) min = i;
    if (max < 0 || v > ys[max]) max = i;
  }
  out.push(start);
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  if (lo > start) out.push(lo);
  if (hi > lo && hi > start) out.push(hi);
  if (end - 1 > Math.max(hi, start)) out.push(end - 1);
}
