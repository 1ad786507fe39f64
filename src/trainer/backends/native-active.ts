/**
 * Whether the native addon's kernels are active for the current backend: the wasm backend with
 * our native BatchMatMul registered (initBackend did that, FTS_NATIVE allowing). The optimizer
 * and the gradient norm then take their fused native paths. The kernel registry is the one
 * source of truth, so nothing else has to carry the addon around.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BlasAddon } from './blas-addon';
import { addonOf, heapOf } from './kernels/native-matmul';

export interface ActiveNative {
  addon: BlasAddon;
  backend: BackendWasm;
}

export function activeNative(): ActiveNative | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const addon = addonOf(tf.getKernel(tf.BatchMatMul, 'wasm'));
  return addon ? { addon, backend: tf.backend() as BackendWasm } : undefined;
}

/** The byte offset of a float32 tensor's data in the wasm heap. */
export function offsetOf(backend: BackendWasm, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data || typeof data.memoryOffset !== 'number') throw new Error(`tensor of shape [${t.shape}] has no data on the wasm heap`);
  return data.memoryOffset;
}

/**
 * The global sum of squares of float32 tensors in one native pass (accumulated in float64), or
 * undefined when the native kernels are not active or a tensor is not float32.
 */
export function nativeSumSquares(tensors: readonly tf.Tensor[]): number | undefined {
  const native = activeNative();
  if (!native || tensors.some((t) => t.dtype !== 'float32')) return undefined;
  const offsets = Float64Array.from(tensors, (t) => offsetOf(native.backend, t));
  const sizes = Float64Array.from(tensors, (t) => t.size);
  return native.addon.sumSquares(heapOf(native.backend), offsets, sizes);
}
