/**
 * Dispatch for the fused ops: an op runs its registered kernel when the active backend has one
 * (wasm: the native addon; webgpu: WGSL) and its composite of tfjs ops otherwise. The composite is
 * the model's exact math from before the op existed, so a backend without the kernel (cpu, where
 * the transformers parity tests run) computes bit-for-bit what it did.
 */
import * as tf from '@tensorflow/tfjs';

/** Whether the active backend has a kernel for `kernelName`; only float32 inputs go to kernels. */
export function backendHas(kernelName: string, ...inputs: tf.Tensor[]): boolean {
  return inputs.every((t) => t.dtype === 'float32') && tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Registers a fused kernel's gradient unless one is registered (tfjs's gradient registry is
 * global). Called before the forward kernel runs: the engine reads the config then to decide
 * which inputs and outputs to keep for the backward pass.
 */
export function ensureGradient(config: tf.GradConfig): void {
  if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}

/** Runs a kernel and returns its outputs as an array (a single-output kernel gives one). */
export function runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(kernelName, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/**
 * Runs a multi-output kernel and returns only its first output. The rest (statistics kept for the
 * backward pass) are released: the engine saved its own references to what the gradient needs.
 */
export function runKernelFirst(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor {
  const [first, ...rest] = runKernel(kernelName, inputs, attrs);
  tf.dispose(rest);
  return first;
}

/** The flattened row count of x over its last axis. */
export function rowsOf(x: tf.Tensor): number {
  const last = x.shape[x.rank - 1] ?? 1;
  return last === 0 ? 0 : x.size / last;
}

/** `grad` summed over the axes along which `shape` was broadcast to grad's shape (a broadcast input's gradient). */
export function sumToShape(grad: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape as number[], grad.shape);
  const reduced = axes.length > 0 ? tf.sum(grad, axes, true) : grad;
  return tf.reshape(reduced, shape as number[]);
}
