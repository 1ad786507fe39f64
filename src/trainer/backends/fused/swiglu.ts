/**
 * Llama's gated MLP activation silu(gate)·up as one fused op.
 *
 * `FtsSwiGlu` inputs {gate, up} (one shape) → y. `FtsSwiGluGrad` inputs {dy, gate, up} → [dgate, dup].
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, runKernel } from './kernel';

export const FtsSwiGlu = 'FtsSwiGlu';
export const FtsSwiGluGrad = 'FtsSwiGluGrad';

/** The composite: silu(gate) = gate·sigmoid(gate), times up. */
export function swiGluComposite(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
}

/** dgate = dy·up·σ(g)(1 + g(1 − σ(g))), dup = dy·g·σ(g). */
export function swiGluBackwardComposite(dy: tf.Tensor, gate: tf.Tensor, up: tf.Tensor): tf.Tensor[] {
  const sig = tf.sigmoid(gate);
  const dgate = tf.mul(tf.mul(dy, up), tf.mul(sig, tf.add(1, tf.mul(gate, tf.sub(1, sig)))));
  return [dgate, tf.mul(dy, tf.mul(gate, sig))];
}

const gradient: tf.GradConfig = {
  kernelName: FtsSwiGlu,
  inputsToSave: ['gate', 'up'],
  gradFunc: (dy, saved) => {
    const [gate, up] = saved;
    const upstream = dy as tf.Tensor;
    const [dgate, dup] = backendHas(FtsSwiGluGrad, upstream)
      ? runKernel(FtsSwiGluGrad, { dy: upstream, gate, up })
      : swiGluBackwardComposite(upstream, gate, up);
    return { gate: () => dgate, up: () => dup };
  },
};

/** silu(gate)·up: the backend's fused kernel, or the composite (which also broadcasts). */
export function swiGlu(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(gate.shape, up.shape) || !backendHas(FtsSwiGlu, gate, up)) return swiGluComposite(gate, up);
  ensureGradient(gradient);
  return runKernel(FtsSwiGlu, { gate, up })[0];
}
