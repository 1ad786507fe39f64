/** Building blocks written with plain tf ops (not tf.layers), so every weight is a named tf.Variable. */
import * as tf from '@tensorflow/tfjs';
import * as fused from '../backends/fused';
import { mixSeed } from './init';

/** x @ kernel + bias over the last axis, for inputs of any rank. */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  if (x.rank === 2) return tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias);
  const inner = x.shape[x.rank - 1];
  const flat = tf.reshape(x, [-1, inner]) as tf.Tensor2D;
  const out = tf.add(tf.matMul(flat, kernel as tf.Tensor2D), bias);
  return tf.reshape(out, [...x.shape.slice(0, -1), kernel.shape[1] as number]);
}

/** LayerNorm over the last axis (the fused op: its kernel where the backend has one, else tf.moments). */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return fused.layerNorm(x, gamma, beta, epsilon);
}

/** GELU, tanh approximation (tfjs has no gelu op): the fused op, whose composite avoids wasm's slow tanh and pow. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fused.gelu(x, 'tanh');
}

/** Token vectors for ids [b, L] → [b, L, D]. Its gradient needs UnsortedSegmentSum (present on cpu). */
export function embed(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.gather(table, ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'));
}

/** Mean over positions where mask is 1: [b, L, D], [b, L] → [b, D]. */
export function maskedMeanPool(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const weights = tf.expandDims(mask, -1);
  const total = tf.sum(tf.mul(x, weights), 1);
  const count = tf.maximum(tf.sum(weights, 1), 1); // an all-padding row pools to 0, not NaN
  return tf.div(total, count);
}

/** Max over positions where mask is 1: padding is pushed far below any real value. */
export function maskedMaxPool(x: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const penalty = tf.mul(tf.sub(1, tf.expandDims(mask, -1)), -1e9);
  return tf.max(tf.add(x, penalty), 1);
}

/**
 * Dropout whose masks come from one seed per forward pass: each call site draws `nextSeed()`,
 * so a pass with the same seed replays the same masks.
 */
export class DropoutContext {
  private site = 0;

  constructor(
    readonly training: boolean,
    private readonly seed: number,
  ) {}

  /**
   * A context for one part of the pass (a decoder block), seeded by the part's key and not by how many
   * masks came before: recomputing the part (gradient checkpointing) replays the same masks.
   */
  child(key: number): DropoutContext {
    return new DropoutContext(this.training, mixSeed(this.seed, 0x10000 + key));
  }

  apply(x: tf.Tensor, rate: number): tf.Tensor {
    if (!this.training || rate <= 0) return x;
    return tf.dropout(x, rate, undefined, mixSeed(this.seed, this.site++));
  }
}
