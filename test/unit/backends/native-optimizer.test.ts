/**
 * The native addon's fused AdamW / Adam step and gradient global norm against the pure tfjs
 * kernels on the wasm backend: several steps over weights of odd sizes, with weight decay on some
 * weights, with and without a clipping coefficient. Both paths do the same float32 operations,
 * so they agree to float rounding. Needs the addon built (`npm run build:native`).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadBlasAddon } from '../../../src/trainer/backends/blas-addon';
import { registerFastKernels } from '../../../src/trainer/backends/kernels';
import { activeNative } from '../../../src/trainer/backends/native-active';
import { initWasm } from '../../../src/trainer/backends/wasm';
import { gradNormAndClipCoefficient } from '../../../src/trainer/gradients';
import { createOptimizer, type OptimizerArgs } from '../../../src/trainer/optimizers';
import type { NamedWeight } from '../../../src/trainer/types';
import { randomValues, relativeError } from './helpers';

const loaded = loadBlasAddon({ ...process.env, FTS_NATIVE: '1' });
const skip = loaded.ok ? false : `the native addon is not built here: ${loaded.reason}`;

const SHAPES: Record<string, number[]> = { 'dense.weight': [37, 23], 'dense.bias': [23], 'norm.weight': [1], 'emb.weight': [101, 7] };

/** Switches the wasm backend's kernels between the native addon and pure wasm. */
function useNative(on: boolean): void {
  if (!loaded.ok) throw new Error('addon not loaded');
  registerFastKernels('wasm', on ? { blas: loaded.addon } : {});
  assert.equal(activeNative() !== undefined, on);
}

interface Result {
  params: Record<string, Float32Array>;
  norms: number[];
  slots: Record<string, Float32Array>;
}

/** `steps` optimizer steps from fixed weights and gradients, clipping at maxNorm; returns everything. */
async function train(native: boolean, overrides: Partial<OptimizerArgs>, maxNorm: number, steps = 4): Promise<Result> {
  useNative(native);
  const weights: NamedWeight[] = Object.entries(SHAPES).map(([name, shape], i) => ({
    name,
    variable: tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(shape), 10 + i), shape), true, `${name}-${native}-${Math.random()}`),
  }));
  const args: OptimizerArgs = { optim: 'adamw_torch', learning_rate: 0.01, weight_decay: 0.1, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8, ...overrides };
  const optimizer = createOptimizer(args, weights);
  const norms: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const grads = Object.fromEntries(weights.map((w, i) => [w.name, tf.tensor(randomValues(w.variable.size, 100 * step + i).map((x) => 3 * x), w.variable.shape)]));
    const { norm, coefficient } = gradNormAndClipCoefficient(grads, maxNorm);
    norms.push(norm.dataSync()[0]);
    optimizer.applyGradients(grads, coefficient ? { scale: coefficient } : undefined);
    tf.dispose([norm, ...(coefficient ? [coefficient] : []), ...Object.values(grads)]);
  }
  const state = await optimizer.getState();
  const result: Result = {
    params: Object.fromEntries(weights.map((w) => [w.name, Float32Array.from(w.variable.dataSync())])),
    norms,
    slots: Object.fromEntries(Object.entries(state.tensors).map(([k, v]) => [k, v.data])),
  };
  optimizer.dispose();
  tf.dispose(weights.map((w) => w.variable));
  return result;
}

function assertClose(got: Result, want: Result, tolerance: number): void {
  for (const name of Object.keys(want.params)) {
    const err = relativeError(got.params[name], want.params[name]);
    assert.ok(err < tolerance, `${name}: relative error ${err}`);
  }
  assert.deepEqual(Object.keys(got.slots).sort(), Object.keys(want.slots).sort());
  // Moments are compared per kind over all weights: a moment that cancels to near zero (a size-1
  // weight) would turn a one-ulp difference in the clip coefficient into a large relative error.
  for (const kind of ['exp_avg', 'exp_avg_sq']) {
    const keys = Object.keys(want.slots).filter((k) => k.endsWith(`/${kind}`)).sort();
    const flat = (r: Result): number[] => keys.flatMap((k) => Array.from(r.slots[k]));
    const err = relativeError(flat(got), flat(want));
    assert.ok(err < tolerance, `${kind}: relative error ${err}`);
  }
  got.norms.forEach((n, i) => assert.ok(Math.abs(n - want.norms[i]) <= 1e-5 * want.norms[i], `norm at step ${i + 1}: ${n} vs ${want.norms[i]}`));
}

describe('native fused AdamW and gradient norm match the pure wasm kernels', { skip }, () => {
  after(() => {
    if (loaded.ok) useNative(false);
  });

  it('AdamW with decoupled weight decay, clipped and unclipped', async () => {
    await initWasm(1, () => {}, { ...process.env, FTS_NATIVE: '0' });
    for (const maxNorm of [0, 1, 1e6]) {
      const want = await train(false, {}, maxNorm);
      const got = await train(true, {}, maxNorm);
      assertClose(got, want, 1e-6);
    }
  });

  it("Adam with L2 weight decay (grad + wd·p), clipped", async () => {
    const want = await train(false, { optim: 'adam' }, 1);
    const got = await train(true, { optim: 'adam' }, 1);
    assertClose(got, want, 1e-6);
  });

  it('writes the new weights to fresh memory and leaves no data behind', async () => {
    useNative(true);
    const backend = tf.backend() as BackendWasm;
    const before = backend.numDataIds();
    const source = tf.tensor([1, 2, 3]);
    const weight = tf.variable(source, true, `shared-${Math.random()}`);
    const optimizer = createOptimizer({ optim: 'adamw_torch', learning_rate: 0.1, weight_decay: 0, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8 }, [{ name: 'w', variable: weight }]);
    const grad = tf.tensor([1, -1, 0.5]);
    optimizer.applyGradients({ w: grad });
    // The tensor the variable was made from shares its first memory: it must keep its values.
    assert.deepEqual(Array.from(source.dataSync()), [1, 2, 3]);
    assert.notDeepEqual(Array.from(weight.dataSync()), [1, 2, 3]);
    optimizer.dispose();
    tf.dispose([source, weight, grad]);
    assert.equal(backend.numDataIds(), before);
  });
});
