/** Shared helpers for the backend kernel tests: seeded data, per-backend runs, error measure. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backends';

/** mulberry32: deterministic floats in [-1, 1). */
export function randomValues(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |got - want| / max |want|: a norm-wise relative error, robust to entries near zero. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} !== ${want.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

export type Backend = 'cpu' | 'wasm';

/** Runs `f` on the backend (fresh tensors there) and returns its results as plain arrays. */
export async function runOn(backend: Backend, f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend({ backend });
  const results = tf.tidy(() => {
    const r = f();
    return Array.isArray(r) ? r : [r];
  });
  const arrays = results.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(results);
  return arrays;
}

/** Data ids the active backend holds: catches intermediates a kernel forgets to dispose. */
export function backendDataIds(): number {
  return tf.engine().backend.numDataIds();
}
