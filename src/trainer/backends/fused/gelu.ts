/**
 * GELU as one fused op: exact (erf, torch's default) or the tanh approximation (gelu_new).
 *
 * `FtsGelu` inputs {x}, attrs {approximate: 'none' | 'tanh'} → y.
 * `FtsGeluGrad` inputs {dy, x}, attrs {approximate} → dx.
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, runKernel } from './kernel';

export const FtsGelu = 'FtsGelu';
export const FtsGeluGrad = 'FtsGeluGrad';

export type GeluApproximate = 'none' | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * The composites. Exact: x·Φ(x) with erf, as torch.nn.functional.gelu. Tanh: written as
 * x·sigmoid(2·√(2/π)·(x + 0.044715x³)), the same function (0.5·(1 + tanh z) = sigmoid(2z)) without
 * the tanh and pow kernels that are slow on wasm.
 */
export function geluComposite(x: tf.Tensor, approximate: GeluApproximate): tf.Tensor {
  if (approximate === 'none') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const cube = tf.mul(tf.mul(x, x), x);
  return tf.mul(x, tf.sigmoid(tf.mul(2 * SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, cube)))));
}

/** dy·GELU'(x). Exact: Φ(x) + x·φ(x). Tanh: σ(2z) + x·σ(2z)(1 − σ(2z))·2z', z = √(2/π)(x + 0.044715x³). */
export function geluBackwardComposite(dy: tf.Tensor, x: tf.Tensor, approximate: GeluApproximate): tf.Tensor {
  if (approximate === 'none') {
    const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    const pdf = tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(-0.5, tf.square(x))));
    return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
  }
  const square = tf.square(x);
  const sig = tf.sigmoid(tf.mul(2 * SQRT_2_OVER_PI, tf.mul(x, tf.add(1, tf.mul(0.044715, square)))));
  const dz = tf.mul(2 * SQRT_2_OVER_PI, tf.add(1, tf.mul(3 * 0.044715, square)));
  return tf.mul(dy, tf.add(sig, tf.mul(tf.mul(x, tf.mul(sig, tf.sub(1, sig))), dz)));
}

const gradient: tf.GradConfig = {
  kernelName: FtsGelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const approximate = (attrs as { approximate: GeluApproximate }).approximate;
    const upstream = dy as tf.Tensor;
    return {
      x: () =>
        backendHas(FtsGeluGrad, upstream)
          ? runKernel(FtsGeluGrad, { dy: upstream, x }, { approximate })[0]
          : geluBackwardComposite(upstream, x, approximate),
    };
  },
};

/** GELU: the backend's fused kernel, or the composite. */
export function gelu(x: tf.Tensor, approximate: GeluApproximate): tf.Tensor {
  if (!backendHas(FtsGelu, x)) return geluComposite(x, approximate);
  ensureGradient(gradient);
  return runKernel(FtsGelu, { x }, { approximate })[0];
}
