/**
 * Shapes and reductions shared by the losses: torch.nn's `reduction` argument plus the
 * `numItemsInBatch` normalisation HF uses to make gradient accumulation exact.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossContext } from '../types';

export type Reduction = 'mean' | 'sum' | 'none' | 'batchmean';

/**
 * Reduces per-item losses. `mean` divides by `meanDenominator` (torch's weighted mean: the sum of
 * the weights of the counted items) or by the item count; when `context.numItemsInBatch` is given
 * it divides the sum by that instead, so micro-batches of one optimizer step add up exactly.
 * `batchmean` (KLDiv) divides the sum by the size of the first dimension.
 */
export function reduceLoss(
  perItem: tf.Tensor,
  reduction: Reduction,
  context: LossContext | undefined,
  meanDenominator?: tf.Tensor,
  batchSize?: number,
): tf.Tensor {
  switch (reduction) {
    case 'none':
      return perItem;
    case 'sum':
      return tf.sum(perItem);
    case 'batchmean':
      return tf.div(tf.sum(perItem), batchSize ?? perItem.shape[0] ?? 1);
    case 'mean': {
      const numItems = context?.numItemsInBatch;
      if (numItems !== undefined) {
        if (!(numItems > 0)) throw new Error(`numItemsInBatch must be a positive number of label items (got ${numItems}).`);
        return tf.div(tf.sum(perItem), numItems);
      }
      return meanDenominator ? tf.div(tf.sum(perItem), meanDenominator) : tf.mean(perItem);
    }
  }
}

/**
 * Brings elementwise-loss inputs to one shape. Equal shapes pass; shapes with the same number of
 * elements (regression logits [b,1] against labels [b]) are both reshaped to the one with fewer
 * dimensions, as HF squeezes them. Anything else is an error rather than torch's silent broadcast.
 */
export function matchElementwise(logits: tf.Tensor, labels: tf.Tensor, lossName: string): [tf.Tensor, tf.Tensor] {
  const x = logits.toFloat();
  const y = labels.toFloat();
  if (sameShape(x.shape, y.shape)) return [x, y];
  if (x.size !== y.size) {
    throw new Error(
      `${lossName}: logits of shape [${x.shape}] and labels of shape [${y.shape}] do not match. ` +
        'Give one target per output (e.g. logits [batch, n] with labels [batch, n], or logits [batch, 1] with labels [batch]).',
    );
  }
  const shape = x.rank <= y.rank ? x.shape : y.shape;
  return [x.reshape(shape), y.reshape(shape)];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Class-id inputs flattened to logits [N, C] and labels [N], with the mask of counted items. */
export interface ClassInputs {
  /** Logits (or log-probabilities), float32 [N, C]. */
  scores: tf.Tensor2D;
  /** Class ids with ignored items replaced by 0, int32 [N]. */
  safeLabels: tf.Tensor1D;
  /** 1 where the label counts, 0 where it equals ignore_index, float32 [N]. */
  mask: tf.Tensor1D;
  numClasses: number;
  /** Shape of the labels, for reduction `none`. */
  labelShape: number[];
}

/**
 * Flattens logits [..., C] and class ids [...] (int or float) for the class-index losses.
 * Labels of shape [..., 1] are accepted too.
 */
export function flattenClassInputs(logits: tf.Tensor, labels: tf.Tensor, ignoreIndex: number, lossName: string): ClassInputs {
  if (logits.rank < 2) {
    throw new Error(`${lossName}: logits must be [batch, num_classes] (or [..., num_classes]); got shape [${logits.shape}].`);
  }
  const numClasses = logits.shape[logits.rank - 1];
  const numItems = logits.size / numClasses;
  const leading = logits.shape.slice(0, -1);
  if (labels.size !== numItems) {
    throw new Error(
      `${lossName}: expected one class id per row of logits (logits [${logits.shape}] need labels [${leading}]); got labels [${labels.shape}].`,
    );
  }
  const flatLabels = labels.reshape([numItems]);
  const mask = tf.notEqual(flatLabels, ignoreIndex);
  const safeLabels = tf.where(mask, flatLabels.toInt(), tf.zerosLike(flatLabels).toInt()) as tf.Tensor1D;
  return {
    scores: logits.toFloat().reshape([numItems, numClasses]),
    safeLabels,
    mask: mask.toFloat() as tf.Tensor1D,
    numClasses,
    labelShape: leading,
  };
}

/** Per-class weights as a tensor, checked against the number of classes. */
export function classWeights(weight: readonly number[] | undefined, numClasses: number, lossName: string, kwarg = 'weight'): tf.Tensor1D | undefined {
  if (weight === undefined) return undefined;
  if (weight.length !== numClasses) {
    throw new Error(`${lossName}: loss_kwargs.${kwarg} has ${weight.length} values but the logits have ${numClasses} classes; give one per class.`);
  }
  return tf.tensor1d(weight as number[], 'float32');
}

/** Picks scores[n, labels[n]] for every row: [N]. */
export function pickClass(scores: tf.Tensor2D, safeLabels: tf.Tensor1D, numClasses: number): tf.Tensor1D {
  return tf.sum(tf.mul(scores, tf.oneHot(safeLabels, numClasses).toFloat()), -1) as tf.Tensor1D;
}
