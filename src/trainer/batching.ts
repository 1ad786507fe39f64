/**
 * How an epoch's examples become optimizer steps: shuffled micro-batches grouped by gradient
 * accumulation. Mirrors HF's arithmetic, so `computeTotalSteps` and the loop always agree.
 */
import { epochPermutation } from './random';

export interface BatchPlan {
  /** Micro-batches (row indices) per epoch, after drop_last. */
  microBatchesPerEpoch: number;
  /** Optimizer steps per epoch: max(floor(microBatches / accumulation), 1), as HF. */
  updatesPerEpoch: number;
}

export function planBatches(rows: number, batchSize: number, accumulation: number, dropLast: boolean): BatchPlan {
  const microBatchesPerEpoch = dropLast ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
  const updatesPerEpoch = Math.max(Math.floor(microBatchesPerEpoch / accumulation), 1);
  return { microBatchesPerEpoch, updatesPerEpoch };
}

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
  const count = plan.microBatchesPerEpoch < accumulation ? plan.microBatchesPerEpoch : accumulation;
  const batches: Int32Array[] = [];
  for (let m = first; m < first + count; m++) {
    const start = m * batchSize;
    const end = Math.min(start + batchSize, order.length);
    if (start >= end) break;
    batches.push(order.subarray(start, end));
  }
  return batches;
}

export { epochPermutation };
