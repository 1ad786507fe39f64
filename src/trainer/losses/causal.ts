/**
 * The causal-LM view of a loss (transformers' ForCausalLMLoss): labels are the input ids, and the
 * logits at position t are scored against label t + 1. As transformers does, the labels are padded
 * with ignore_index and shifted, so the logits keep their shape and the last position counts nothing.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossFunction } from '../types';

/** labels[..., 1:] followed by one ignore_index: [..., L] → [..., L]. */
export function shiftLabels(labels: tf.Tensor, ignoreIndex: number): tf.Tensor {
  const length = labels.shape[labels.rank - 1] as number;
  const rest = tf.slice(labels, [...new Array<number>(labels.rank - 1).fill(0), 1], [...labels.shape.slice(0, -1), length - 1]);
  const pad = tf.fill([...labels.shape.slice(0, -1), 1], ignoreIndex, labels.dtype);
  return tf.concat([rest, pad], -1);
}

/** `loss` applied to logits [..., L, V] and the shifted labels; numItemsInBatch must count shifted labels too. */
export function causalLmLoss(loss: LossFunction, ignoreIndex: number): LossFunction {
  return (logits, labels, context) => {
    if (labels.rank < 2 || logits.rank !== labels.rank + 1) {
      throw new Error(`causal LM loss: labels must be token ids [batch, length] beside logits [batch, length, vocab]; got labels [${labels.shape}] and logits [${logits.shape}]`);
    }
    return tf.tidy(() => loss(logits, shiftLabels(labels, ignoreIndex), context));
  };
}

/** Items of labels[..., 1:] not equal to ignoreIndex (transformers' count for a shifted loss). Reads one number back. */
export function countShiftedLabelItems(labels: tf.Tensor, ignoreIndex: number): number {
  const count = tf.tidy(() => tf.sum(tf.notEqual(shiftLabels(labels, ignoreIndex), ignoreIndex).toInt()));
  const value = count.dataSync()[0];
  count.dispose();
  return value;
}
