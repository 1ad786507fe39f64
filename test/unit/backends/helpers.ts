/** Shared helpers for the backend kernel tests: seeded data, per-backend runs, error measure. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backends';
import { mulberry32 } from '../../../src/trainer/random';

/** mulberry32 (the trainer's seeded generator): deterministic floats in [-1, 1). */
export function randomValues(count: number, seed: number): Float32Array {
  const draw = mulberry32(seed);
  return Float32Array.from({ length: count }, () => draw() * 2 - 1);
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
