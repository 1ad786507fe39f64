/**
 * LayerNorm over the last axis as one fused op.
 *
 * `FtsLayerNorm` inputs {x [..., H], gamma [H], beta [H]}, attrs {epsilon} → [y (x's shape),
 * mean [rows], invStd [rows]] (rows = x.size / H, float32). `FtsLayerNormGrad` inputs {dy, x,
 * gamma, mean, invStd} → [dx, dgamma [H], dbeta [H]].
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, rowsOf, runKernel, runKernelFirst } from './kernel';

export const FtsLayerNorm = 'FtsLayerNorm';
export const FtsLayerNormGrad = 'FtsLayerNormGrad';

/** The composite: tf.moments and rsqrt (tf.layers.layerNormalization's backward pass is pathologically slow). */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
}

/** The backward pass from the saved statistics, in tfjs ops (for a backend with the forward kernel only). */
export function layerNormBackwardComposite(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor): tf.Tensor[] {
  const size = x.shape[x.rank - 1] as number;
  const rows = rowsOf(x);
  const x2 = tf.reshape(x, [rows, size]);
  const dy2 = tf.reshape(dy, [rows, size]);
  const s = tf.reshape(invStd, [rows, 1]);
  const xhat = tf.mul(tf.sub(x2, tf.reshape(mean, [rows, 1])), s);
  const g = tf.mul(dy2, gamma);
  const dx = tf.mul(s, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true))));
  return [tf.reshape(dx, x.shape), tf.sum(tf.mul(dy2, xhat), 0), tf.sum(dy2, 0)];
}

const gradient: tf.GradConfig = {
  kernelName: FtsLayerNorm,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved) => {
    const dy = (dys as tf.Tensor[])[0];
    const [x, gamma, mean, invStd] = saved;
    // Computed once here (thunks run in separate tidies, which would free the others' results).
    const [dx, dgamma, dbeta] = backendHas(FtsLayerNormGrad, dy)
      ? runKernel(FtsLayerNormGrad, { dy, x, gamma, mean, invStd })
      : layerNormBackwardComposite(dy, x, gamma, mean, invStd);
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};

/** torch's LayerNorm over the last axis: the backend's fused kernel, or the composite. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  if (!backendHas(FtsLayerNorm, x, gamma, beta)) return layerNormComposite(x, gamma, beta, epsilon);
  ensureGradient(gradient);
  return runKernelFirst(FtsLayerNorm, { x, gamma, beta }, { epsilon });
}
