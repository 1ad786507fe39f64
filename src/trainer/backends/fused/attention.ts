/**
 * Scaled dot-product attention as one fused op (a flash-attention kernel keeps only the
 * log-sum-exp of each query row, not the [T, S] probabilities).
 *
 * `FtsAttention` inputs {q [B, h, T, d], k [B, h, S, d], v [B, h, S, d], mask (additive,
 * broadcastable to [B, h, T, S])}, attrs {scale} → [out [B, h, T, d], logsumexp [B, h, T]].
 * `FtsAttentionGrad` inputs {dout, q, k, v, mask, out, logsumexp}, attrs {scale} → [dq, dk, dv].
 * Dropout on the probabilities cannot be fused: with it the op runs its composite.
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, runKernel, runKernelFirst, sumToShape } from './kernel';
import { maskedSoftmax } from './masked-softmax';

export const FtsAttention = 'FtsAttention';
export const FtsAttentionGrad = 'FtsAttentionGrad';

/** Dropout on the attention probabilities (the model's, seeded per site). */
export type ProbsDropout = (probs: tf.Tensor) => tf.Tensor;

/** The composite: the models' matMul, masked softmax (itself fused where a backend has it), dropout, matMul. */
export function attentionComposite(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, scale: number, dropout?: ProbsDropout): tf.Tensor {
  const probs = maskedSoftmax(tf.matMul(q, k, false, true), mask, scale);
  return tf.matMul(dropout ? dropout(probs) : probs, v);
}

/** The backward pass from the saved log-sum-exp: the probabilities are recomputed, never kept. Returns [dq, dk, dv, dmask]. */
export function attentionBackwardComposite(
  dout: tf.Tensor, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, out: tf.Tensor, logsumexp: tf.Tensor, scale: number,
): tf.Tensor[] {
  const logits = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask);
  const probs = tf.exp(tf.sub(logits, tf.expandDims(logsumexp, -1)));
  const dv = tf.matMul(probs, dout, true, false);
  const dprobs = tf.matMul(dout, v, false, true);
  const dlogits = tf.mul(probs, tf.sub(dprobs, tf.sum(tf.mul(dout, out), -1, true)));
  const dq = tf.mul(tf.matMul(dlogits, k), scale);
  const dk = tf.mul(tf.matMul(dlogits, q, true, false), scale);
  return [dq, dk, dv, sumToShape(dlogits, mask.shape)];
}

const gradient: tf.GradConfig = {
  kernelName: FtsAttention,
  inputsToSave: ['q', 'k', 'v', 'mask'],
  outputsToSave: [true, true],
  gradFunc: (dys, saved, attrs) => {
    const dout = (dys as tf.Tensor[])[0];
    const [q, k, v, mask, out, logsumexp] = saved;
    const scale = (attrs as { scale: number }).scale;
    if (!backendHas(FtsAttentionGrad, dout)) {
      const [dq, dk, dv, dmask] = attentionBackwardComposite(dout, q, k, v, mask, out, logsumexp, scale);
      return { q: () => dq, k: () => dk, v: () => dv, mask: () => dmask };
    }
    const [dq, dk, dv] = runKernel(FtsAttentionGrad, { dout, q, k, v, mask, out, logsumexp }, { scale });
    return {
      q: () => dq,
      k: () => dk,
      v: () => dv,
      // Masks are constants in the models (pruned from the backward pass); a learned bias would get this.
      mask: () => attentionBackwardComposite(dout, q, k, v, mask, out, logsumexp, scale)[3],
    };
  },
};

/**
 * softmax(q·kᵀ·scale + mask)·v over [B, h, T, d] queries and [B, h, S, d] keys and values: the
 * backend's fused kernel, or (always with dropout) the composite.
 */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, scale: number, dropout?: ProbsDropout): tf.Tensor {
  const fusable = !dropout && q.rank === 4 && k.rank === 4 && v.rank === 4 && tf.util.arraysEqual(k.shape, v.shape) && q.shape[1] === k.shape[1];
  if (!fusable || !backendHas(FtsAttention, q, k, v, mask)) return attentionComposite(q, k, v, mask, scale, dropout);
  ensureGradient(gradient);
  return runKernelFirst(FtsAttention, { q, k, v, mask }, { scale });
}
