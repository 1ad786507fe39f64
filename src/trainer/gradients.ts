/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (norm_type 2).
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuGradNorm } from './backends/kernels/webgpu-fused/optimizer';
import { nativeSumSquares } from './backends/native-active';

export interface ClippedGradients {
  /** New tensors, one per input key; the caller owns (and disposes) them. */
  grads: Record<string, tf.Tensor>;
  /** The total L2 norm of the gradients before clipping; the caller owns (and disposes) it. */
  norm: tf.Scalar;
}

/**
 * Scales all gradients by `min(1, maxNorm / (totalNorm + 1e-6))`, where totalNorm is the L2 norm of
 * every gradient concatenated. `maxNorm <= 0` disables clipping but still reports the norm.
 *
 * Ownership: the input tensors are neither disposed nor kept; everything returned is new and
 * belongs to the caller. As in torch (error_if_nonfinite=False), a non-finite norm is not an error:
 * the scaled gradients become NaN and the norm says why.
 */
export function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number): ClippedGradients {
  const names = Object.keys(grads);
  return tf.tidy(() => {
    const { norm, coefficient } = gradNormAndClipCoefficient(grads, maxNorm);
    const scale = (n: string) => (coefficient ? tf.mul(grads[n], coefficient) : tf.clone(grads[n]));
    return { grads: Object.fromEntries(names.map((n) => [n, scale(n)])), norm };
  });
}

/**
 * The global L2 norm of the gradients and torch's clip coefficient `min(1, maxNorm / (norm + 1e-6))`
 * (undefined when `maxNorm <= 0`). The Trainer hands the coefficient to the optimizer, which folds
 * it into its update; both tensors are new and belong to the caller.
 */
export function gradNormAndClipCoefficient(grads: Record<string, tf.Tensor>, maxNorm: number): { norm: tf.Scalar; coefficient?: tf.Scalar } {
  // With the native addon: one pass over every gradient instead of three kernels per tensor.
  const sumSquares = nativeSumSquares(Object.values(grads));
  if (sumSquares !== undefined) {
    const norm = Math.fround(Math.sqrt(sumSquares));
    if (!(maxNorm > 0)) return { norm: tf.scalar(norm) };
    // torch's float32 arithmetic: clamp(max_norm / (norm + 1e-6), max=1).
    const coefficient = Math.min(Math.fround(maxNorm / Math.fround(norm + 1e-6)), 1);
    return { norm: tf.scalar(norm), coefficient: tf.scalar(coefficient) };
  }
  // On webgpu: partial sums of squares per gradient, then one pass for the norm and the coefficient, all on the GPU.
  return webgpuGradNorm(Object.values(grads), maxNorm) ?? gradNormComposite(grads, maxNorm);
}

/** gradNormAndClipCoefficient in tfjs ops, on any backend. */
export function gradNormComposite(grads: Record<string, tf.Tensor>, maxNorm: number): { norm: tf.Scalar; coefficient?: tf.Scalar } {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g.dtype === 'float32' ? g : g.toFloat())));
    const norm: tf.Scalar = squares.length === 0 ? tf.scalar(0) : tf.sqrt(squares.length === 1 ? squares[0] : tf.addN(squares)).asScalar();
    if (!(maxNorm > 0)) return { norm };
    // torch multiplies by the clamped coefficient unconditionally (no data-dependent branch).
    return { norm, coefficient: tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1).asScalar() };
  });
}
