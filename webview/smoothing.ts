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
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      result[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    result[i] = last / (1 - Math.pow(weight, count));
  }
  return result;
}
