import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { leadingAxesSplit } from '../../../src/trainer/backends/kernels/wasm-sum';
import { blockingFor, matrixSwap, MIN_BLOCKED_TRANSPOSE } from '../../../src/trainer/backends/kernels/wasm-transpose';
import { backendDataIds, randomValues, runOn } from './helpers';

describe('Transpose (wasm kernel: large matrices in two in-cache passes)', () => {
  it('blocks along rows, else along cols, only large matrices whose sides a block divides', () => {
    assert.deepEqual(blockingFor(2048, 256), { along: 'rows', block: 64 });
    assert.deepEqual(blockingFor(2000, 256), { along: 'rows', block: 16 });
    assert.deepEqual(blockingFor(1999, 256), { along: 'cols', block: 64 });
    assert.equal(blockingFor(1999, 257), undefined);
    assert.equal(blockingFor(64, 64), undefined, `fewer than ${MIN_BLOCKED_TRANSPOSE} values`);
    assert.deepEqual(matrixSwap([3, 4, 5, 6], [0, 1, 3, 2]), { batch: 12, rows: 5, cols: 6 });
    assert.deepEqual(matrixSwap([5, 6], [1, 0]), { batch: 1, rows: 5, cols: 6 });
    assert.equal(matrixSwap([3, 4, 5], [1, 0, 2]), undefined);
    assert.equal(matrixSwap([3, 4, 5], [2, 1, 0]), undefined);
  });

  it('matches the cpu backend: blocked by rows, by cols, unblockable, batched, int32, and through matmul gradients', async () => {
    const f = () => {
      const byRows = tf.tensor2d(randomValues(640 * 96, 1), [640, 96]);
      const byCols = tf.tensor2d(randomValues(331 * 128, 2), [331, 128]);
      const neither = tf.tensor2d(randomValues(331 * 127, 3), [331, 127]);
      const batched = tf.tensor3d(randomValues(3 * 256 * 80, 4), [3, 256, 80]);
      const dy = tf.tensor2d(randomValues(640 * 48, 5), [640, 48]);
      return [
        tf.transpose(byRows),
        tf.transpose(byCols),
        tf.transpose(neither),
        tf.transpose(batched, [0, 2, 1]),
        tf.cast(tf.transpose(tf.cast(tf.mul(byRows, 1000), 'int32')), 'float32'),
        // dW = x^T dy: our BatchMatMul transposes x [640, 96] with this kernel.
        tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(byRows, w), dy)))(tf.zeros([96, 48])),
      ];
    };
    const want = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    want.forEach((w, i) => {
      assert.equal(got[i].length, w.length, `case ${i}`);
      w.forEach((v, j) => assert.ok(Math.abs(got[i][j] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `case ${i}[${j}]: ${got[i][j]} vs ${v}`));
    });
  });
});

describe('Sum over leading axes (wasm kernel: blocked transpose, then the innermost sum)', () => {
  it('recognises leading-axis reductions only', () => {
    assert.deepEqual(leadingAxesSplit([8, 4, 3], [0]), { rows: 8, cols: 12 });
    assert.deepEqual(leadingAxesSplit([8, 4, 3], [1, 0]), { rows: 32, cols: 3 });
    assert.equal(leadingAxesSplit([8, 4, 3], [1]), undefined);
    assert.equal(leadingAxesSplit([8, 4, 3], [0, 1, 2]), undefined);
    assert.equal(leadingAxesSplit([8, 4, 3], []), undefined);
  });

  it('matches the cpu backend on large tensors: leading axes, keepDims, other axes, int32, a bias gradient', async () => {
    const x = randomValues(3 * 128 * 256, 5);
    const f = () => {
      const t = tf.tensor3d(x, [3, 128, 256]);
      const bias = tf.tensor1d(randomValues(256, 6));
      return [
        tf.sum(t, 0),
        tf.sum(t, [0, 1]),
        tf.sum(t, [1, 0], true),
        tf.sum(t, -1),
        tf.sum(t, 1),
        tf.sum(tf.reshape(t, [384, 256]).slice([0, 0], [383, 256]), 0), // 383 rows: blocked along cols
        tf.cast(tf.sum(tf.cast(tf.mul(t, 10), 'int32'), 0), 'float32'),
        tf.grad((b: tf.Tensor) => tf.sum(tf.square(tf.add(t, b))))(bias),
      ];
    };
    const want = await runOn('cpu', f);
    const got = await runOn('wasm', f);
    want.forEach((w, i) => {
      assert.equal(got[i].length, w.length, `case ${i}`);
      w.forEach((v, j) => assert.ok(Math.abs(got[i][j] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `case ${i}[${j}]: ${got[i][j]} vs ${v}`));
    });
  });

  it('leaves nothing behind', async () => {
    await runOn('wasm', () => tf.scalar(0));
    const x = tf.tensor3d(randomValues(4 * 128 * 128, 9), [4, 128, 128]);
    const once = () => tf.tidy(() => [tf.sum(x, 0), tf.sum(x, [0, 1], true), tf.transpose(x, [0, 2, 1])].map((t) => t.shape.join()));
    once();
    const [tensors, ids] = [tf.memory().numTensors, backendDataIds()];
    for (let i = 0; i < 5; i++) assert.deepEqual(once(), ['128,128', '1,1,128', '4,128,128']);
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backendDataIds(), ids);
    x.dispose();
  });
});
