/**
 * Elementwise losses over float targets, torch.nn semantics: MSE, L1, SmoothL1, Huber,
 * BCEWithLogits and KLDiv. `mean` averages over every element.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossContext } from '../types';
import { matchElementwise, reduceLoss, type Reduction } from './reduction';

type PointwiseLoss = (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;

function elementwise(lossName: string, pointwise: PointwiseLoss, reduction: Reduction) {
  return (logits: tf.Tensor, labels: tf.Tensor, context?: LossContext): tf.Tensor =>
    tf.tidy(() => {
      const [x, y] = matchElementwise(logits, labels, lossName);
      return reduceLoss(pointwise(x, y), reduction, context, undefined, x.shape[0]);
    });
}

export const mseLoss = (reduction: Reduction) => elementwise('MSE', (x, y) => tf.squaredDifference(x, y), reduction);

export const l1Loss = (reduction: Reduction) => elementwise('L1', (x, y) => tf.abs(tf.sub(x, y)), reduction);

/** 0.5·d²/β where |d| < β, else |d| - 0.5·β; β = 0 is L1. */
export const smoothL1Loss = (beta: number, reduction: Reduction) =>
  elementwise(
    'SmoothL1',
    (x, y) => {
      const d = tf.abs(tf.sub(x, y));
      if (beta === 0) return d;
      return tf.where(tf.less(d, beta), tf.div(tf.mul(tf.square(d), 0.5), beta), tf.sub(d, 0.5 * beta));
    },
    reduction,
  );

/** 0.5·d² where |d| < δ, else δ·(|d| - 0.5·δ). */
export const huberLoss = (delta: number, reduction: Reduction) =>
  elementwise(
    'Huber',
    (x, y) => {
      const d = tf.abs(tf.sub(x, y));
      return tf.where(tf.less(d, delta), tf.mul(tf.square(d), 0.5), tf.mul(tf.sub(d, 0.5 * delta), delta));
    },
    reduction,
  );

/**
 * torch's stable form: `(1-y)·x + (1 + (pw-1)·y)·(log1p(exp(-|x|)) + max(-x, 0))`, times `weight`.
 * `weight` and `pos_weight` broadcast along the last dimension (one value per output).
 */
export const bceWithLogitsLoss = (weight: readonly number[] | undefined, posWeight: readonly number[] | undefined, reduction: Reduction) =>
  elementwise(
    'BCEWithLogits',
    (x, y) => {
      const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)));
      const logWeight = posWeight ? tf.add(tf.mul(tf.sub(lastDim(posWeight, x, 'pos_weight'), 1), y), 1) : undefined;
      let loss = tf.add(tf.mul(tf.sub(1, y), x), logWeight ? tf.mul(logWeight, softplusNeg) : softplusNeg);
      if (weight) loss = tf.mul(loss, lastDim(weight, x, 'weight'));
      return loss;
    },
    reduction,
  );

function lastDim(values: readonly number[], x: tf.Tensor, kwarg: string): tf.Tensor1D {
  const width = x.rank === 0 ? 1 : x.shape[x.rank - 1];
  if (values.length !== 1 && values.length !== width) {
    throw new Error(`BCEWithLogits: loss_kwargs.${kwarg} has ${values.length} values but the logits have ${width} outputs; give one per output (or one in all).`);
  }
  return tf.tensor1d(values as number[], 'float32');
}

/**
 * Input is log-probabilities. Pointwise `y·(log y - x)` (0 where y = 0), or with `logTarget`
 * `exp(y)·(y - x)`. `batchmean` divides the sum by the batch size, `mean` by every element (torch).
 */
export const klDivLoss = (logTarget: boolean, reduction: Reduction) =>
  elementwise(
    'KLDiv',
    (x, y) => {
      if (logTarget) return tf.mul(tf.exp(y), tf.sub(y, x));
      const positive = tf.greater(y, 0);
      const yLogY = tf.where(positive, tf.mul(y, tf.log(tf.where(positive, y, tf.onesLike(y)))), tf.zerosLike(y));
      return tf.sub(yLogY, tf.mul(y, x));
    },
    reduction,
  );
