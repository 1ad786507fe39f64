import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipGradNorm } from '../../../src/trainer/gradients';

before(async () => {
  await tf.setBackend('cpu');
});

const A = [3, -4, 1, 2];
const B = [0.5, -0.5, 12];
const TOTAL = Math.sqrt([...A, ...B].reduce((s, x) => s + x * x, 0));

function makeGrads(): Record<string, tf.Tensor> {
  return { 'layer.kernel': tf.tensor2d(A, [2, 2]), 'layer.bias': tf.tensor1d(B) };
}

function assertAllClose(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test('clipGradNorm scales by max_norm / (total_norm + 1e-6) when the norm is larger', () => {
  const grads = makeGrads();
  const { grads: clipped, norm } = clipGradNorm(grads, 1);
  const coef = 1 / (TOTAL + 1e-6);
  assertAllClose(norm.dataSync(), [TOTAL]);
  assertAllClose(clipped['layer.kernel'].dataSync(), A.map((x) => x * coef));
  assertAllClose(clipped['layer.bias'].dataSync(), B.map((x) => x * coef));
  assert.deepEqual(clipped['layer.kernel'].shape, [2, 2]);
  tf.dispose([norm, ...Object.values(clipped), ...Object.values(grads)]);
});

test('clipGradNorm leaves gradients under the limit unchanged', () => {
  const grads = makeGrads();
  const { grads: clipped, norm } = clipGradNorm(grads, TOTAL * 2);
  assertAllClose(clipped['layer.bias'].dataSync(), B);
  assertAllClose(norm.dataSync(), [TOTAL]);
  tf.dispose([norm, ...Object.values(clipped), ...Object.values(grads)]);
});

test('maxNorm 0 disables clipping but still returns the norm', () => {
  const grads = makeGrads();
  const { grads: clipped, norm } = clipGradNorm(grads, 0);
  assertAllClose(clipped['layer.kernel'].dataSync(), A);
  assertAllClose(norm.dataSync(), [TOTAL]);
  tf.dispose([norm, ...Object.values(clipped), ...Object.values(grads)]);
});

test('inputs stay alive, outputs are new, nothing else is left behind', () => {
  const grads = makeGrads();
  const before = tf.memory().numTensors;
  for (const maxNorm of [0, 1, 100]) {
    const { grads: clipped, norm } = clipGradNorm(grads, maxNorm);
    assert.equal(tf.memory().numTensors, before + 3, `only the returned tensors remain (maxNorm ${maxNorm})`);
    tf.dispose([norm, ...Object.values(clipped)]);
    assert.equal(grads['layer.kernel'].isDisposed, false);
    assertAllClose(grads['layer.kernel'].dataSync(), A);
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(Object.values(grads));
});

test('empty gradients give norm 0', () => {
  const { grads, norm } = clipGradNorm({}, 1);
  assert.deepEqual(Object.keys(grads), []);
  assert.equal(norm.dataSync()[0], 0);
  norm.dispose();
});
