import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendDataIds, randomValues, relativeError, runOn } from './helpers';

const TOLERANCE = 1e-4;

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

function label(c: Case): string {
  return `[${c.a}]${c.transposeA ? 'ᵀ' : ''} x [${c.b}]${c.transposeB ? 'ᵀ' : ''}`;
}

/** Compares the wasm kernel with the stock cpu kernel on the forward product and both gradients. */
async function check(c: Case, seed: number): Promise<void> {
  const av = randomValues(c.a.reduce((x, y) => x * y, 1), seed);
  const bv = randomValues(c.b.reduce((x, y) => x * y, 1), seed + 1);
  const sameBatch = c.a.slice(0, -2).join() === c.b.slice(0, -2).join();
  const compute = (): tf.Tensor[] => {
    const a = tf.tensor(av, c.a);
    const b = tf.tensor(bv, c.b);
    const out = tf.matMul(a, b, c.transposeA, c.transposeB);
    // tfjs's BatchMatMul gradient does not reduce broadcast batch dimensions, on any backend.
    if (!sameBatch) return [out];
    // Gradients of sum(out * w): every backward matmul runs with transposes.
    const w = tf.tensor(randomValues(out.size, seed + 2), out.shape);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), w)))([a, b]);
    return [out, ga, gb];
  };
  // The cpu kernel only broadcasts when one batch is 1, so its reference gets full-size operands.
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
  const full = (x: tf.Tensor): tf.Tensor => tf.broadcastTo(x, [...outBatch, ...x.shape.slice(-2)]);
  const reference = (): tf.Tensor[] => {
    const out = tf.matMul(full(tf.tensor(av, c.a)), full(tf.tensor(bv, c.b)), c.transposeA, c.transposeB);
    return sameBatch ? compute() : [out];
  };
  const want = await runOn('cpu', reference);
  const got = await runOn('wasm', compute);
  for (let i = 0; i < want.length; i++) {
    const err = relativeError(got[i], want[i]);
    assert.ok(err < TOLERANCE, `${label(c)} ${['out', 'grad a', 'grad b'][i]}: relative error ${err}`);
  }
}

const both = [false, true];

describe('wasm BatchMatMul matches the cpu backend', () => {
  it('2-D products, every transpose combination', async () => {
    for (const transposeA of both) {
      for (const transposeB of both) {
        const a = transposeA ? [5, 7] : [7, 5];
        const b = transposeB ? [9, 5] : [5, 9];
        await check({ a, b, transposeA, transposeB }, 11);
      }
    }
  });

  it('batched products (batch > 1), every transpose combination', async () => {
    for (const transposeA of both) {
      for (const transposeB of both) {
        const a = transposeA ? [3, 2, 6, 4] : [3, 2, 4, 6];
        const b = transposeB ? [3, 2, 5, 6] : [3, 2, 6, 5];
        await check({ a, b, transposeA, transposeB }, 23);
      }
    }
  });

  it('broadcasts batch dimensions', async () => {
    const cases: Case[] = [
      { a: [2, 1, 4, 5], b: [3, 5, 6], transposeA: false, transposeB: false },
      { a: [1, 4, 5], b: [3, 5, 6], transposeA: false, transposeB: false },
      { a: [4, 5], b: [2, 3, 5, 6], transposeA: false, transposeB: false },
      { a: [2, 3, 5, 4], b: [6, 5], transposeA: true, transposeB: true },
      { a: [2, 3, 4, 5], b: [1, 1, 5, 6], transposeA: false, transposeB: false },
      { a: [3, 1, 5, 4], b: [1, 2, 6, 5], transposeA: true, transposeB: true },
    ];
    for (const [i, c] of cases.entries()) await check(c, 100 + i);
  });

  it('random shapes', async () => {
    const rand = randomValues(200, 7);
    const dim = (i: number, max: number): number => 1 + Math.floor(((rand[i] + 1) / 2) * max);
    for (let t = 0; t < 12; t++) {
      const r = t * 8;
      const [m, k, n] = [dim(r, 33), dim(r + 1, 33), dim(r + 2, 33)];
      const batchA = t % 3 === 0 ? [] : [dim(r + 3, 3), dim(r + 4, 2)];
      const batchB = t % 4 === 1 ? [] : batchA.length ? batchA.map((d, j) => (rand[r + 5 + j] > 0.3 ? 1 : d)) : [dim(r + 6, 3)];
      const transposeA = rand[r + 7] > 0;
      const transposeB = rand[r + 6] > 0;
      await check({
        a: [...batchA, ...(transposeA ? [k, m] : [m, k])],
        b: [...batchB, ...(transposeB ? [n, k] : [k, n])],
        transposeA,
        transposeB,
      }, 1000 + t);
    }
  });

  it('leaves no tensors or backend data behind over repeated calls', async () => {
    await runOn('wasm', () => tf.scalar(0));
    const a = tf.tensor(randomValues(2 * 3 * 8 * 16, 5), [2, 3, 8, 16]);
    const b = tf.tensor(randomValues(3 * 8 * 16, 6), [3, 8, 16]);
    const w = tf.tensor(randomValues(16 * 8, 8), [16, 8]);
    const step = (): void => {
      tf.tidy(() => {
        tf.matMul(a, b, false, true).dataSync();
        tf.matMul(a, w).dataSync();
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, false)))([a, a]).forEach((g) => g.dataSync());
      });
    };
    step();
    const tensors = tf.memory().numTensors;
    const ids = backendDataIds();
    for (let i = 0; i < 20; i++) step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backendDataIds(), ids);
    tf.dispose([a, b, w]);
  });
});
