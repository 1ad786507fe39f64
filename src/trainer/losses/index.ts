/**
 * Built-in losses by name: `createLoss('CrossEntropyLoss', { label_smoothing: 0.1 })`.
 * Names are the canonical ones of LOSSES or any alias in LOSS_ALIASES; kwargs use torch.nn names.
 */
import * as tf from '@tensorflow/tfjs';
import { LOSS_ALIASES, type LossKwargs, type LossName } from '../../config/schema';
import type { LossFunction } from '../types';
import { crossEntropy, focalLoss } from './classification';
import { bceWithLogitsLoss, huberLoss, klDivLoss, l1Loss, mseLoss, smoothL1Loss } from './elementwise';

export { labelSmoother } from './classification';
export type { Reduction } from './reduction';

const DEFAULT_IGNORE_INDEX = -100;

/** The kwargs each loss takes; anything else is an error, as torch raises on unexpected arguments. */
const ACCEPTED_KWARGS: Record<LossName, readonly (keyof LossKwargs)[]> = {
  CrossEntropy: ['weight', 'ignore_index', 'label_smoothing', 'reduction'],
  BCEWithLogits: ['weight', 'pos_weight', 'reduction'],
  MSE: ['reduction'],
  L1: ['reduction'],
  SmoothL1: ['beta', 'reduction'],
  Huber: ['delta', 'reduction'],
  NLL: ['weight', 'ignore_index', 'reduction'],
  KLDiv: ['reduction', 'log_target'],
  Focal: ['gamma', 'alpha', 'ignore_index', 'reduction'],
};

/** Canonical name for any accepted spelling, or an error listing them. */
export function resolveLossName(name: string): LossName {
  const canonical = Object.prototype.hasOwnProperty.call(LOSS_ALIASES, name) ? LOSS_ALIASES[name] : undefined;
  if (!canonical) {
    throw new Error(`Unknown loss "${name}". Valid names: ${Object.keys(LOSS_ALIASES).join(', ')}.`);
  }
  return canonical;
}

/**
 * Builds a loss function. Class-index losses (CrossEntropy, NLL, Focal) take logits [..., C] and
 * class ids [...]; the others take float targets shaped like the logits ([b,1] against [b] is fine).
 * With reduction `mean` and `context.numItemsInBatch`, the result is sum / numItemsInBatch (HF's
 * gradient-accumulation fix). The returned tensor is new; inputs are not disposed.
 */
export function createLoss(name: string, kwargs: LossKwargs = {}): LossFunction {
  const lossName = resolveLossName(name);
  checkKwargs(lossName, kwargs);
  const reduction = kwargs.reduction ?? 'mean';
  if (reduction === 'batchmean' && lossName !== 'KLDiv') {
    throw new Error(`loss_kwargs.reduction "batchmean" is only for KLDiv; use "mean", "sum" or "none" with ${lossName}.`);
  }
  const ignoreIndex = kwargs.ignore_index ?? DEFAULT_IGNORE_INDEX;
  switch (lossName) {
    case 'CrossEntropy':
    case 'NLL': {
      const options = {
        weight: kwargs.weight,
        ignoreIndex,
        labelSmoothing: kwargs.label_smoothing ?? 0,
        reduction,
        inputsAreLogProbs: lossName === 'NLL',
        lossName,
      };
      if (options.labelSmoothing < 0 || options.labelSmoothing > 1) {
        throw new Error(`loss_kwargs.label_smoothing must be in [0, 1] (got ${options.labelSmoothing}).`);
      }
      return (logits, labels, context) => crossEntropy(logits, labels, options, context);
    }
    case 'Focal': {
      const options = { gamma: kwargs.gamma ?? 2, alpha: kwargs.alpha, ignoreIndex, reduction };
      return (logits, labels, context) => focalLoss(logits, labels, options, context);
    }
    case 'BCEWithLogits':
      return bceWithLogitsLoss(kwargs.weight, kwargs.pos_weight, reduction);
    case 'MSE':
      return mseLoss(reduction);
    case 'L1':
      return l1Loss(reduction);
    case 'SmoothL1':
      return smoothL1Loss(positive(kwargs.beta, 1, 'beta', true), reduction);
    case 'Huber':
      return huberLoss(positive(kwargs.delta, 1, 'delta', false), reduction);
    case 'KLDiv':
      return klDivLoss(kwargs.log_target ?? false, reduction);
  }
}

function checkKwargs(lossName: LossName, kwargs: LossKwargs): void {
  const accepted = ACCEPTED_KWARGS[lossName];
  const unknown = Object.keys(kwargs).filter((k) => !(accepted as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new Error(`loss_kwargs ${unknown.map((k) => `"${k}"`).join(', ')} not accepted by ${lossName}. Accepted: ${accepted.join(', ')}.`);
  }
}

function positive(value: number | undefined, fallback: number, kwarg: string, zeroAllowed: boolean): number {
  const v = value ?? fallback;
  if (v < 0 || (!zeroAllowed && v === 0)) throw new Error(`loss_kwargs.${kwarg} must be ${zeroAllowed ? '>= 0' : '> 0'} (got ${v}).`);
  return v;
}

/**
 * Number of label items that count towards a mean: elements not equal to `ignoreIndex`. Sum it over
 * the micro-batches of one optimizer step and pass it as `numItemsInBatch`. Synchronous: it reads
 * one number back from the backend (use `countLabelItemsAsync` to avoid blocking on GPU backends).
 */
export function countLabelItems(labels: tf.Tensor, ignoreIndex = DEFAULT_IGNORE_INDEX): number {
  const count = tf.tidy(() => tf.sum(tf.notEqual(labels, ignoreIndex).toInt()));
  const value = count.dataSync()[0];
  count.dispose();
  return value;
}

/** `countLabelItems` without blocking the thread. */
export async function countLabelItemsAsync(labels: tf.Tensor, ignoreIndex = DEFAULT_IGNORE_INDEX): Promise<number> {
  const count = tf.tidy(() => tf.sum(tf.notEqual(labels, ignoreIndex).toInt()));
  try {
    return (await count.data())[0];
  } finally {
    count.dispose();
  }
}
