/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased at the start (so the
 * first points are not pulled towards 0). Non-finite values pass through unsmoothed and do not
 * poison the average.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number, out?: number[]): number[] {
  const result = out ?? new Array<number>(values.length);
  result.length = values.length;
  if (weight <= 0) {
    for (let i = 0; i < values.length; i++) result[i] = values[i];
    return result;
  }
  const ema = new EmaState(weight);
  for (let i = 0; i < values.length; i++) result[i] = ema.next(values[i]);
  return result;
}

/** The running state of emaSmooth, to extend a smoothed series point by point. */
export class EmaState {
  private last = 0;
  /** weight^count, kept as a product (Math.pow per point is the slow part). */
  private weightPow = 1;

  constructor(readonly weight: number) {}

  next(v: number): number {
    if (this.weight <= 0 || !Number.isFinite(v)) return v;
    this.last = this.last * this.weight + (1 - this.weight) * v;
    this.weightPow *= this.weight;
    return this.last / (1 - this.weightPow);
  }
}
