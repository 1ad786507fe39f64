/**
 * The native addon's BatchMatMul and _FusedMatMul (OpenBLAS on the wasm heap in place) against
 * the stock pure-wasm kernels, on random shapes: odd sizes, every transpose combination, batches
 * with broadcasting, every fused activation, with and without bias. The addon is loaded whatever
 * FTS_NATIVE says (this tests the addon itself); it must be built (`npm run build:native`).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { loadBlasAddon, type BlasAddon } from '../../../src/trainer/backends/blas-addon';
import { initWasm } from '../../../src/trainer/backends/wasm';
import { makeNativeBatchMatMul, makeNativeFusedMatMul, makeNativeUnary } from '../../../src/trainer/backends/kernels/native-matmul';
import { randomValues, relativeError } from './helpers';

const TOLERANCE = 2e-5;
const both = [false, true];

const loaded = loadBlasAddon({ ...process.env, FTS_NATIVE: '1' });
const skip = loaded.ok ? false : `the native addon is not built here: ${loaded.reason}`;

/** Small deterministic integers for shapes. */
function sizes(seed: number, count: number, max: number): number[] {
  const r = randomValues(count, seed);
  return Array.from(r, (x) => 1 + Math.floor(((x + 1) / 2) * max));
}

describe('native matmul kernels match the stock wasm kernels', { skip }, () => {
  let addon: BlasAddon;
  let backend: BackendWasm;
  let stockMatMul: tf.KernelConfig;
  let stockFused: tf.KernelConfig;

  before(async () => {
    if (!loaded.ok) return;
    addon = loaded.addon;
    await initWasm(1, () => {}, { ...process.env, FTS_NATIVE: '0' });
    backend = tf.backend() as BackendWasm;
    stockMatMul = tf.getKernel(tf.BatchMatMul, 'wasm')!;
    stockFused = tf.getKernel(tf._FusedMatMul, 'wasm')!;
    addon.setThreads(2);
  });

  /** Runs a kernel config on tensors and returns the output values (the output is released). */
  function run(config: tf.KernelConfig, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
    const out = config.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array);
    backend.disposeData(out.dataId);
    return values;
  }

  function compareMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean, seed: number): void {
    const a = tf.tensor(randomValues(tf.util.sizeFromShape(aShape), seed), aShape);
    const b = tf.tensor(randomValues(tf.util.sizeFromShape(bShape), seed + 1), bShape);
    const attrs = { transposeA, transposeB };
    const want = run(stockMatMul, { a, b }, attrs);
    const got = run(makeNativeBatchMatMul(addon, stockMatMul), { a, b }, attrs);
    const err = relativeError(got, want);
    assert.ok(err < TOLERANCE, `[${aShape}]${transposeA ? 'ᵀ' : ''} x [${bShape}]${transposeB ? 'ᵀ' : ''}: relative error ${err}`);
    tf.dispose([a, b]);
  }

  it('2-D products of odd sizes, every transpose combination', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const [m, k, n] = sizes(seed * 7, 3, 67);
      for (const transposeA of both) {
        for (const transposeB of both) {
          compareMatMul(transposeA ? [k, m] : [m, k], transposeB ? [n, k] : [k, n], transposeA, transposeB, seed);
        }
      }
    }
  });

  it('1-wide and 1-deep products (vector shapes)', () => {
    for (const [m, k, n] of [[1, 9, 1], [1, 1, 13], [17, 1, 1], [1, 33, 5]]) {
      for (const transposeA of both) {
        for (const transposeB of both) compareMatMul(transposeA ? [k, m] : [m, k], transposeB ? [n, k] : [k, n], transposeA, transposeB, m + k + n);
      }
    }
  });

  it('batched products, every transpose combination, with a weight shared across the batch', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const [batch, m, k, n] = sizes(seed * 13, 4, 23);
      for (const transposeA of both) {
        for (const transposeB of both) {
          const a = transposeA ? [batch, k, m] : [batch, m, k];
          const bMat = transposeB ? [n, k] : [k, n];
          compareMatMul(a, [batch, ...bMat], transposeA, transposeB, seed);
          compareMatMul(a, [1, ...bMat], transposeA, transposeB, seed + 100);
        }
      }
    }
  });

  it('broadcasts batch dimensions', () => {
    // The stock kernel broadcasts only when one side's batch is 1; the others are checked on 2-D slices below.
    compareMatMul([2, 3, 5, 4], [1, 1, 4, 6], false, false, 3);
    compareMatMul([1, 5, 4], [3, 4, 6], false, false, 4);
    compareMatMul([3, 4, 5], [1, 6, 4], true, true, 5);
    // [2,1] x [1,3] batches: each output matrix is a 2-D product of the matching slices.
    const a = tf.tensor(randomValues(2 * 1 * 4 * 5, 8), [2, 1, 4, 5]);
    const b = tf.tensor(randomValues(1 * 3 * 5 * 6, 9), [1, 3, 5, 6]);
    const got = run(makeNativeBatchMatMul(addon, stockMatMul), { a, b }, { transposeA: false, transposeB: false });
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const ai = tf.slice(a, [i, 0, 0, 0], [1, 1, 4, 5]).reshape([4, 5]);
        const bj = tf.slice(b, [0, j, 0, 0], [1, 1, 5, 6]).reshape([5, 6]);
        const want = run(stockMatMul, { a: ai, b: bj }, { transposeA: false, transposeB: false });
        const start = (i * 3 + j) * 24;
        assert.ok(relativeError(got.subarray(start, start + 24), want) < TOLERANCE, `batch ${i},${j}`);
        tf.dispose([ai, bj]);
      }
    }
    tf.dispose([a, b]);
  });

  // The reference is the cpu backend: the stock wasm _FusedMatMul adds the bias at the wrong
  // positions whenever it does not reach XNNPACK (a transpose, or a batch > 1), e.g. [[1,2],[3,4]]ᵀ·I
  // + [10,20] gives [[11,23],[22,24]] on stock wasm instead of [[11,23],[12,24]].
  it('_FusedMatMul: bias and every activation, every transpose combination (against the cpu backend)', async () => {
    const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'];
    const fused = makeNativeFusedMatMul(addon, stockFused);
    let seed = 40;
    for (const activation of activations) {
      for (const transposeA of both) {
        for (const transposeB of both) {
          seed++;
          const [batch, m, k, n] = sizes(seed, 4, 19);
          const aShape = transposeA ? [batch, k, m] : [batch, m, k];
          const bShape = transposeB ? [batch, n, k] : [batch, k, n];
          // Values up to ±8 so relu6 clips and elu/sigmoid see both signs.
          const values = {
            a: randomValues(tf.util.sizeFromShape(aShape), seed).map((x) => 4 * x),
            b: randomValues(tf.util.sizeFromShape(bShape), seed + 1).map((x) => 2 * x),
            bias: randomValues(n, seed + 2),
            prelu: randomValues(n, seed + 3),
          };
          const usePrelu = activation === 'prelu';
          for (const withBias of both) {
            await tf.setBackend('cpu');
            const want = tf.tidy(() =>
              tf.fused.matMul({
                a: tf.tensor(values.a, aShape), b: tf.tensor(values.b, bShape), transposeA, transposeB,
                bias: withBias ? tf.tensor(values.bias, [n]) : undefined,
                activation: activation as tf.fused.Activation,
                preluActivationWeights: usePrelu ? tf.tensor(values.prelu, [n]) : undefined,
                leakyreluAlpha: 0.13,
              }).dataSync(),
            );
            await tf.setBackend('wasm');
            const inputs: Record<string, tf.Tensor> = { a: tf.tensor(values.a, aShape), b: tf.tensor(values.b, bShape) };
            if (withBias) inputs.bias = tf.tensor(values.bias, [n]);
            if (usePrelu) inputs.preluActivationWeights = tf.tensor(values.prelu, [n]);
            const got = run(fused, inputs, { transposeA, transposeB, activation, leakyreluAlpha: 0.13 });
            tf.dispose(Object.values(inputs));
            const err = relativeError(got, want);
            assert.ok(err < TOLERANCE, `${activation} bias=${withBias} [${aShape}]${transposeA ? 'ᵀ' : ''} x [${bShape}]${transposeB ? 'ᵀ' : ''}: ${err}`);
          }
        }
      }
    }
  });

  it('_FusedMatMul matches the stock wasm kernel where that one is right (no transpose, batch 1)', () => {
    const fused = makeNativeFusedMatMul(addon, stockFused);
    const a = tf.tensor(randomValues(1 * 37 * 29, 5), [1, 37, 29]);
    const b = tf.tensor(randomValues(1 * 29 * 41, 6), [1, 29, 41]);
    const bias = tf.tensor(randomValues(41, 7), [41]);
    for (const activation of ['linear', 'relu', 'sigmoid']) {
      const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 };
      const err = relativeError(run(fused, { a, b, bias }, attrs), run(stockFused, { a, b, bias }, attrs));
      assert.ok(err < TOLERANCE, `${activation}: ${err}`);
    }
    tf.dispose([a, b, bias]);
  });

  it('Exp and Erf match the stock wasm kernels (odd sizes, both signs, large magnitudes)', () => {
    for (const name of [tf.Exp, tf.Erf] as const) {
      const stock = tf.getKernel(name, 'wasm')!;
      for (const size of [1, 7, 1023, 4099]) {
        const x = tf.tensor(randomValues(size, size).map((v) => 12 * v));
        const err = relativeError(run(makeNativeUnary(addon, name, stock), { x }, {}), run(stock, { x }, {}));
        assert.ok(err < 1e-6, `${name} size ${size}: ${err}`);
        x.dispose();
      }
    }
  });

  it('hands non-float32 inputs to the stock kernel', () => {
    const a = tf.tensor([1, 2, 3, 4], [1, 2, 2], 'int32');
    const b = tf.tensor([5, 6, 7, 8], [1, 2, 2], 'int32');
    let called = 0;
    // The stock wasm kernel has no int32 matmul either: the spy stands in for it.
    const stock: tf.KernelConfig = { ...stockMatMul, kernelFunc: () => (called++, tf.zeros([1, 2, 2])) };
    run(makeNativeBatchMatMul(addon, stock), { a, b }, { transposeA: false, transposeB: false });
    assert.equal(called, 1);
    tf.dispose([a, b]);
  });

  it('leaves no data behind and survives heap growth between calls', () => {
    const before = backend.numDataIds();
    compareMatMul([64, 48], [80, 48], false, true, 77);
    // Grow the wasm Memory (a 64 MiB tensor), which replaces its buffer; the next call must see the new one.
    const big = tf.zeros([16 * 1024 * 1024]);
    compareMatMul([17, 31], [17, 29], true, false, 78);
    big.dispose();
    assert.equal(backend.numDataIds(), before);
  });

  it('rejects ranges outside the heap instead of reading them', () => {
    const heap = new Uint8Array(1024);
    assert.throws(() => addon.matmul(heap, Float64Array.of(0), Float64Array.of(0), 0, 17, 17, 17, false, false, -1, 0, 0, 0, -1, 0), /outside the heap/);
    assert.throws(() => addon.matmul(heap, Float64Array.of(2), Float64Array.of(0), 512, 2, 2, 2, false, false, -1, 0, 0, 0, -1, 0), /outside the heap/);
    assert.throws(() => addon.sumSquares(heap, Float64Array.of(1000), Float64Array.of(10)), /outside the heap/);
  });
});
