/**
 * How an epoch's examples become optimizer steps: shuffled micro-batches grouped by gradient
 * accumulation. The counts come from `computeTotalSteps`, so the loop and the editor's step
 * warnings always agree.
 */
import type { TotalSteps } from '../config/resolve';

/** The per-epoch counts of `computeTotalSteps`: micro-batches (after drop_last) and optimizer steps. */
export type BatchPlan = Pick<TotalSteps, 'batchesPerEpoch' | 'stepsPerEpoch'>;

/**
 * The micro-batches of one optimizer step. When an epoch has fewer micro-batches than the
 * accumulation, its single step takes them all; leftover micro-batches past the last full
 * group are skipped for that epoch (shuffling moves different rows there each epoch).
 */
export function microBatchesForUpdate(
  order: Int32Array,
  plan: BatchPlan,
  batchSize: number,
  accumulation: number,
  updateIndex: number,
): Int32Array[] {
  const first = updateIndex * accumulation;
  const count = plan.batchesPerEpoch < accumulation ? plan.batchesPerEpoch : accumulation;
  const batches: Int32Array[] = [];
  for (let m = first; m < first + count; m++) {
    const start = m * batchSize;
    const end = Math.min(start + batchSize, order.length);
    if (start >= end) break;
    batches.push(order.subarray(start, end));
  }
  return batches;
}

