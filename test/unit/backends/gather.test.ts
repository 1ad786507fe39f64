import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendDataIds, randomValues, relativeError, runOn, type Backend } from './helpers';

const BACKENDS: Backend[] = ['cpu', 'wasm'];

describe('GatherV2 (slice-copy kernels on wasm and cpu)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: axis 0 matches a one-hot matmul, 1-D and 2-D indices`, async () => {
      const [vocab, dim] = [300, 48];
      const table = randomValues(vocab * dim, 9);
      const ids = Int32Array.from(randomValues(6 * 40, 10), (v) => Math.floor(((v + 1) / 2) * vocab));
      const [got2d, got1d] = await runOn(backend, () => {
        const t = tf.tensor2d(table, [vocab, dim]);
        return [tf.gather(t, tf.tensor2d(ids, [6, 40], 'int32')), tf.gather(t, tf.tensor1d(ids, 'int32'))];
      });
      // Reference on cpu with ops that do not gather: oneHot(ids) x table.
      const [want] = await runOn('cpu', () => tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), vocab), tf.tensor2d(table, [vocab, dim])));
      assert.ok(relativeError(got1d, want) < 1e-6);
      assert.ok(relativeError(got2d, want) < 1e-6);
    });

    it(`${backend}: inner axis, batchDims, int32 and bool`, async () => {
      const results = await runOn(backend, () => {
        const x = tf.tensor3d([...Array(24).keys()], [2, 4, 3]);
        return [
          tf.gather(x, tf.tensor1d([3, 0, 3], 'int32'), 1),
          tf.gather(x, tf.tensor1d([2, 0], 'int32'), -1),
          tf.gather(x, tf.tensor2d([[1, 2], [3, 0]], [2, 2], 'int32'), 1, 1),
          tf.cast(tf.gather(tf.tensor1d([5, 6, 7], 'int32'), tf.tensor1d([2, 2], 'int32')), 'float32'),
          tf.cast(tf.gather(tf.tensor1d([true, false]), tf.tensor1d([1, 0, 0], 'int32')), 'float32'),
        ];
      });
      assert.deepEqual([...results[0]], [9, 10, 11, 0, 1, 2, 9, 10, 11, 21, 22, 23, 12, 13, 14, 21, 22, 23]);
      assert.deepEqual([...results[1]], [2, 0, 5, 3, 8, 6, 11, 9, 14, 12, 17, 15, 20, 18, 23, 21]);
      assert.deepEqual([...results[2]], [3, 4, 5, 6, 7, 8, 21, 22, 23, 12, 13, 14]);
      assert.deepEqual([...results[3]], [7, 7]);
      assert.deepEqual([...results[4]], [0, 1, 1]);
    });

    it(`${backend}: an out-of-range index is an error, and nothing leaks`, async () => {
      await runOn(backend, () => tf.scalar(0));
      const x = tf.tensor2d(randomValues(50 * 8, 1), [50, 8]);
      const ids = tf.tensor1d([0, 49, 7], 'int32');
      assert.throws(() => tf.gather(x, tf.tensor1d([50], 'int32')), /index value 50 is not in \[0, 49\]/);
      tf.gather(x, ids).dispose();
      const [tensors, dataIds] = [tf.memory().numTensors, backendDataIds()];
      for (let i = 0; i < 10; i++) tf.gather(x, ids).dispose();
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(backendDataIds(), dataIds);
      tf.dispose([x, ids]);
    });
  }
});
