/** Checks and the column-total stage shared by the fused kernels. */
import type * as tf from '@tensorflow/tfjs';
import { gridFor, makeOutput, runShader, type WebGpuBackendLike } from './runner';
import { COLUMN_TOTAL, WG } from './wgsl';

/** The webgpu backend of a kernel call (tfjs hands it as KernelBackend). */
export function webgpuOf(backend: unknown): WebGpuBackendLike {
  return backend as WebGpuBackendLike;
}

/** The fused kernels are float32 only; says which input of which op is not. */
export function requireFloat32(op: string, inputs: Record<string, tf.TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t && t.dtype !== 'float32') throw new Error(`${op} on webgpu takes float32 tensors; input ${name} is ${t.dtype}.`);
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Rows and row length of x [..., h]. */
export function rowsOf(x: tf.TensorInfo): { rows: number; h: number } {
  const h = x.shape[x.shape.length - 1] ?? 1;
  return { rows: h === 0 ? 0 : sizeOf(x.shape) / h, h };
}

/** Sums `partial` [chunks, h] over its chunks into a new [h] tensor, then frees `partial`. */
export function columnTotal(backend: WebGpuBackendLike, partial: tf.TensorInfo, chunks: number, h: number): tf.TensorInfo {
  const out = makeOutput(backend, [h]);
  runShader(backend, {
    key: 'column-total',
    body: COLUMN_TOTAL,
    bindings: [{ tensor: partial }, { tensor: out, write: true }],
    names: ['p', 'out'],
    uniforms: [
      { name: 'chunks', type: 'u32', value: chunks },
      { name: 'h', type: 'u32', value: h },
    ],
    workgroups: gridFor(Math.ceil(h / WG)),
  });
  backend.disposeData(partial.dataId);
  return out;
}

/** The named inputs of a kernel call, each required. */
export function inputsOf<K extends string>(op: string, inputs: tf.NamedTensorInfoMap, names: readonly K[]): Record<K, tf.TensorInfo> {
  const out = {} as Record<K, tf.TensorInfo>;
  for (const name of names) {
    const t = inputs[name];
    if (!t) throw new Error(`${op}: input ${name} is missing (inputs: ${Object.keys(inputs).join(', ')}).`);
    out[name] = t;
  }
  return out;
}
