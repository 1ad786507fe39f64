/**
 * Losses over class ids: CrossEntropy and NLL (torch.nn semantics), Focal, and HF's LabelSmoother.
 * Class picking uses one-hot products instead of gather: gather's gradient needs the
 * UnsortedSegmentSum kernel the wasm backend lacks.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossContext } from '../types';
import { classWeights, flattenClassInputs, pickClass, reduceLoss, type Reduction } from './reduction';

export interface CrossEntropyOptions {
  weight?: readonly number[];
  ignoreIndex: number;
  labelSmoothing: number;
  reduction: Reduction;
  /** `true` for NLLLoss: the inputs already are log-probabilities. */
  inputsAreLogProbs: boolean;
  lossName: string;
}

/**
 * torch.nn.CrossEntropyLoss / NLLLoss with class-index targets:
 * per item `(1-ε)·(-w[y]·logp[y]) + ε/C·(-Σ_c w[c]·logp[c])`, 0 for ignored items; `mean` divides
 * the sum by Σ w[y] over counted items (by their count without weights). All items ignored gives
 * NaN under `mean`, as in torch.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions, context?: LossContext): tf.Tensor {
  return tf.tidy(() => {
    const { scores, safeLabels, mask, numClasses, labelShape } = flattenClassInputs(logits, labels, options.ignoreIndex, options.lossName);
    const logProbs = options.inputsAreLogProbs ? scores : tf.logSoftmax(scores);
    const weight = classWeights(options.weight, numClasses, options.lossName);
    const itemWeight = weight ? tf.mul(pickClass(tf.mul(tf.onesLike(scores), weight) as tf.Tensor2D, safeLabels, numClasses), mask) : mask;
    let perItem: tf.Tensor = tf.neg(tf.mul(pickClass(logProbs, safeLabels, numClasses), itemWeight));
    const epsilon = options.labelSmoothing;
    if (epsilon > 0) {
      const weighted = weight ? tf.mul(logProbs, weight) : logProbs;
      const smooth = tf.mul(tf.neg(tf.sum(weighted, -1)), mask);
      perItem = tf.add(tf.mul(perItem, 1 - epsilon), tf.mul(smooth, epsilon / numClasses));
    }
    const reduced = reduceLoss(perItem, options.reduction, context, tf.sum(itemWeight));
    return options.reduction === 'none' ? reduced.reshape(labelShape) : reduced;
  });
}

export interface FocalOptions {
  gamma: number;
  alpha?: number | readonly number[];
  ignoreIndex: number;
  reduction: Reduction;
}

/**
 * Multi-class softmax focal loss (Lin et al. 2017): `-α_y·(1-p_y)^γ·log p_y` per counted item.
 * `alpha` per class weights each class; a scalar with two classes means α for class 1 and 1-α for
 * class 0 (torchvision's binary convention), with more classes it scales every item. Logits of width
 * 1 are a binary sigmoid model and are treated as the two logits [0, x]. `mean` averages over the
 * counted items (alpha is a factor, not a normaliser).
 */
export function focalLoss(logits: tf.Tensor, labels: tf.Tensor, options: FocalOptions, context?: LossContext): tf.Tensor {
  return tf.tidy(() => {
    const twoClass = logits.rank >= 1 && (logits.rank === 1 || logits.shape[logits.rank - 1] === 1);
    const classLogits = twoClass ? sigmoidAsTwoLogits(logits) : logits;
    const { scores, safeLabels, mask, numClasses, labelShape } = flattenClassInputs(classLogits, labels, options.ignoreIndex, 'Focal');
    const logPt = pickClass(tf.logSoftmax(scores), safeLabels, numClasses);
    const modulating = tf.pow(tf.relu(tf.sub(1, tf.exp(logPt))), options.gamma);
    let perItem: tf.Tensor = tf.mul(tf.neg(tf.mul(modulating, logPt)), mask);
    const alpha = alphaPerClass(options.alpha, numClasses);
    if (alpha) perItem = tf.mul(perItem, pickClass(tf.mul(tf.onesLike(scores), alpha) as tf.Tensor2D, safeLabels, numClasses));
    else if (typeof options.alpha === 'number') perItem = tf.mul(perItem, options.alpha);
    const reduced = reduceLoss(perItem, options.reduction, context, tf.sum(mask));
    return options.reduction === 'none' ? reduced.reshape(labelShape) : reduced;
  });
}

function sigmoidAsTwoLogits(logits: tf.Tensor): tf.Tensor {
  const x = logits.toFloat().reshape([-1, 1]);
  // softmax([0, x]) = [1 - sigmoid(x), sigmoid(x)]
  return tf.concat([tf.zerosLike(x), x], 1);
}

function alphaPerClass(alpha: number | readonly number[] | undefined, numClasses: number): tf.Tensor1D | undefined {
  if (alpha === undefined) return undefined;
  if (typeof alpha === 'number') return numClasses === 2 ? tf.tensor1d([1 - alpha, alpha]) : undefined;
  return classWeights(alpha, numClasses, 'Focal', 'alpha');
}

/**
 * HF transformers' `LabelSmoother` (used when `label_smoothing_factor` > 0):
 * `(1-ε)·mean_nll + ε·Σ(-log p)/(active·C)`, over items whose label is not `ignoreIndex`.
 * Logits [..., C], labels [...] (or [..., 1]). Returns a scalar.
 */
export function labelSmoother(logits: tf.Tensor, labels: tf.Tensor, epsilon: number, ignoreIndex = -100): tf.Scalar {
  return tf.tidy(() => {
    const { scores, safeLabels, mask, numClasses } = flattenClassInputs(logits, labels, ignoreIndex, 'LabelSmoother');
    const negLogProbs = tf.neg(tf.logSoftmax(scores));
    const active = tf.sum(mask);
    const nll = tf.div(tf.sum(tf.mul(pickClass(negLogProbs, safeLabels, numClasses), mask)), active);
    const smoothed = tf.div(tf.sum(tf.mul(tf.sum(negLogProbs, -1), mask)), tf.mul(active, numClasses));
    return tf.add(tf.mul(nll, 1 - epsilon), tf.mul(smoothed, epsilon)).asScalar();
  });
}
