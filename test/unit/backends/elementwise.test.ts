import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { powInto } from '../../../src/trainer/backends/kernels/wasm-elementwise';
import { backendDataIds, randomValues, relativeError, runOn } from './helpers';

describe('Pow with a small integer exponent (wasm kernel)', () => {
  it('powInto computes x^n in double for n in -2..4', () => {
    const x = [2, -3, 0.5, 0, -0];
    const out = new Float32Array(x.length);
    const expect = (n: number, want: number[]) => {
      powInto(x, n, out);
      assert.deepEqual([...out], want, `n = ${n}`);
    };
    expect(0, [1, 1, 1, 1, 1]);
    expect(1, [2, -3, 0.5, 0, -0]);
    expect(2, [4, 9, 0.25, 0, 0]);
    expect(3, [8, -27, 0.125, 0, -0]);
    expect(4, [16, 81, 0.0625, 0, 0]);
    expect(-1, [0.5, -1 / 3, 2, Infinity, -Infinity].map(Math.fround));
    expect(-2, [0.25, 1 / 9, 4, Infinity, Infinity].map(Math.fround));
    assert.throws(() => powInto(x, 5, out), RangeError);
  });

  it('matches the cpu backend: fast exponents, fractional ones (stock), broadcasting, gradients, and the GELU', async () => {
    const values = randomValues(2 * 3 * 50, 7);
    const f = () => {
      const x = tf.tensor3d(values, [2, 3, 50]);
      const gelu = (t: tf.Tensor) => tf.mul(tf.mul(0.5, t), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(t, tf.mul(0.044715, tf.pow(t, 3)))))));
      return [
        ...[0, 1, 2, 3, 4, -1, -2].map((n) => tf.pow(tf.add(x, 2), n)),
        tf.pow(tf.abs(x), 2.5),
        tf.pow(x, tf.tensor1d([3])),
        tf.pow(x, tf.tensor([[[2]]], [1, 1, 1], 'int32')),
        tf.pow(x, tf.tensor([[[[2]]]], [1, 1, 1, 1])), // a higher-rank scalar broadcasts: stock kernel
        tf.pow(tf.tensor1d([2, 3]), tf.tensor1d([3, 2])),
        gelu(x),
        tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x),
      ];
    };
    const want = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    want.forEach((w, i) => assert.ok(relativeError(got[i], w) < 1e-6, `result ${i}: ${relativeError(got[i], w)}`));
  });
});

describe('Identity (wasm kernel: shared, refcounted data)', () => {
  it('a clone keeps its values after the original is disposed, and nothing leaks', async () => {
    await runOn('wasm', () => tf.scalar(0));
    const step = () => {
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose();
      const values = Array.from(y.dataSync());
      y.dispose();
      return values;
    };
    step();
    const [tensors, ids] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 10; i++) assert.deepEqual(step(), [1, 2, 3]);
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backendDataIds(), ids);
  });
});
