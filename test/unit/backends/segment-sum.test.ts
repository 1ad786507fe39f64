import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { segmentSumInto } from '../../../src/trainer/backends/kernels';
import { backendDataIds, randomValues, relativeError, runOn, type Backend } from './helpers';

/** Plain nested-loop reference: out[ids[i]] += x[i], out-of-range ids dropped. */
function reference(x: Float32Array, ids: Int32Array, inner: number, numSegments: number): Float32Array {
  const out = new Float32Array(numSegments * inner);
  ids.forEach((s, i) => {
    if (s < 0 || s >= numSegments) return;
    for (let j = 0; j < inner; j++) out[s * inner + j] += x[i * inner + j];
  });
  return out;
}

function randomIds(count: number, max: number, seed: number): Int32Array {
  return Int32Array.from(randomValues(count, seed), (v) => Math.floor(((v + 1) / 2) * max));
}

const BACKENDS: Backend[] = ['cpu', 'wasm'];

describe('UnsortedSegmentSum (wasm: new kernel; cpu: typed-array replacement)', () => {
  it('segmentSumInto drops out-of-range ids and overwrites stale output', () => {
    const out = new Float32Array([9, 9, 9, 9]);
    segmentSumInto([1, 2, 3, 4, 5, 6, 7, 8], [1, -1, 1, 2], 2, 2, out);
    assert.deepEqual([...out], [0, 0, 6, 8]);
  });

  for (const backend of BACKENDS) {
    it(`${backend}: matches the reference on random shapes, 1-D and 2-D ids`, async () => {
      const cases = [
        { xShape: [50, 7], idShape: [50], numSegments: 13 },
        { xShape: [4, 6, 3], idShape: [4, 6], numSegments: 5 },
        { xShape: [300], idShape: [300], numSegments: 40 },
      ];
      for (const [n, c] of cases.entries()) {
        const size = c.xShape.reduce((a, b) => a * b, 1);
        const idCount = c.idShape.reduce((a, b) => a * b, 1);
        const xv = randomValues(size, 40 + n);
        const ids = randomIds(idCount, c.numSegments, 50 + n);
        const [got] = await runOn(backend, () => {
          const idTensor: tf.Tensor = tf.tensor(ids, c.idShape, 'int32');
          // The op is typed for 1-D ids; the kernel (and TensorFlow) accept ids of any leading shape.
          return tf.unsortedSegmentSum(tf.tensor(xv, c.xShape), idTensor as tf.Tensor1D, c.numSegments);
        });
        const want = reference(xv, ids, size / idCount, c.numSegments);
        assert.ok(relativeError(got, want) < 1e-4, `case ${n}`);
      }
    });

    it(`${backend}: gradient of tf.gather (an embedding) through tf.grad`, async () => {
      const [vocab, dim, count] = [500, 16, 256];
      const table = randomValues(vocab * dim, 3);
      const ids = randomIds(count, vocab, 4);
      const upstream = randomValues(count * dim, 5);
      const [grad] = await runOn(backend, () => {
        const w = tf.tensor(upstream, [count, dim]);
        const idx = tf.tensor(ids, [count], 'int32');
        return tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, idx), w)))(tf.tensor(table, [vocab, dim]));
      });
      assert.ok(relativeError(grad, reference(upstream, ids, dim, vocab)) < 1e-4);
    });

    it(`${backend}: is fast for vocab 5000 and leaves nothing behind`, async () => {
      await runOn(backend, () => tf.scalar(0));
      const x = tf.tensor(randomValues(2048 * 64, 6), [2048, 64]);
      const ids = tf.tensor1d(randomIds(2048, 5000, 7), 'int32');
      tf.unsortedSegmentSum(x, ids, 5000).dispose();
      const tensors = tf.memory().numTensors;
      const dataIds = backendDataIds();
      const start = performance.now();
      for (let i = 0; i < 5; i++) tf.unsortedSegmentSum(x, ids, 5000).dispose();
      // The stock cpu kernel took minutes for one call of this size; a loop takes milliseconds.
      assert.ok(performance.now() - start < 5000);
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(backendDataIds(), dataIds);
      tf.dispose([x, ids]);
    });
  }
});
