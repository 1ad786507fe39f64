/**
 * Llama's RMSNorm over the last axis as one fused op.
 *
 * `FtsRmsNorm` inputs {x [..., H], weight [H]}, attrs {epsilon} → [y, invRms [rows]].
 * `FtsRmsNormGrad` inputs {dy, x, weight, invRms} → [dx, dweight [H]].
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, rowsOf, runKernel, runKernelFirst } from './kernel';

export const FtsRmsNorm = 'FtsRmsNorm';
export const FtsRmsNormGrad = 'FtsRmsNormGrad';

/** The composite: x / sqrt(mean(x²) + eps) · weight, in float32 as transformers computes it. */
export function rmsNormComposite(x: tf.Tensor, weight: tf.Tensor, epsilon: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), epsilon))), weight);
}

/** dx = s·(g − s²·x·mean(g·x)) with g = dy·weight, s = invRms; dweight = Σ dy·x·s over rows. */
export function rmsNormBackwardComposite(dy: tf.Tensor, x: tf.Tensor, weight: tf.Tensor, invRms: tf.Tensor): tf.Tensor[] {
  const size = x.shape[x.rank - 1] as number;
  const rows = rowsOf(x);
  const x2 = tf.reshape(x, [rows, size]);
  const dy2 = tf.reshape(dy, [rows, size]);
  const s = tf.reshape(invRms, [rows, 1]);
  const g = tf.mul(dy2, weight);
  const dx = tf.mul(s, tf.sub(g, tf.mul(tf.mul(x2, tf.square(s)), tf.mean(tf.mul(g, x2), -1, true))));
  return [tf.reshape(dx, x.shape), tf.sum(tf.mul(dy2, tf.mul(x2, s)), 0)];
}

const gradient: tf.GradConfig = {
  kernelName: FtsRmsNorm,
  inputsToSave: ['x', 'weight'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const dy = (dys as tf.Tensor[])[0];
    const [x, weight, invRms] = saved;
    const [dx, dweight] = backendHas(FtsRmsNormGrad, dy)
      ? runKernel(FtsRmsNormGrad, { dy, x, weight, invRms })
      : rmsNormBackwardComposite(dy, x, weight, invRms);
    return { x: () => dx, weight: () => dweight };
  },
};

/** RMSNorm: the backend's fused kernel, or the composite. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, epsilon: number): tf.Tensor {
  if (!backendHas(FtsRmsNorm, x, weight)) return rmsNormComposite(x, weight, epsilon);
  ensureGradient(gradient);
  return runKernelFirst(FtsRmsNorm, { x, weight }, { epsilon });
}
