/**
 * On a backend with no fused kernels (cpu, where the transformers parity tests run) every fused op
 * is its composite, bit for bit, gradients included: wiring the models to the ops changed nothing.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backends';
import * as fused from '../../../src/trainer/backends/fused';
import { broadcastStrides } from '../../../src/trainer/backends/kernels/native-fused';
import { randomValues } from './helpers';

function tensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/** Output and input gradients of Σ f(xs)·dy, as arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): number[][] {
  return tf.tidy(() => {
    const out = f(...xs);
    const grads = tf.grads((...ins: tf.Tensor[]) => f(...ins))(xs, tensor(out.shape, 7));
    return [out, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('fused ops without kernels are their composites', () => {
  before(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('cpu has no fused kernels registered', () => {
    for (const name of fused.FUSED_KERNEL_NAMES) assert.equal(tf.getKernel(name, 'cpu'), undefined, name);
  });

  it('outputs and gradients equal the composites exactly', () => {
    const x = tensor([2, 3, 8], 1);
    const w = tensor([8], 2);
    const b = tensor([8], 3);
    const mask = tf.tensor([0, 0, -1e9, 0, -3.4e38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [2, 1, 1, 8]);
    const scores = tensor([2, 2, 8, 8], 4);
    const pairs: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, (...xs: tf.Tensor[]) => tf.Tensor, tf.Tensor[]]> = [
      ['layerNorm', (a, g, c) => fused.layerNorm(a, g, c, 1e-12), (a, g, c) => fused.layerNormComposite(a, g, c, 1e-12), [x, w, b]],
      ['rmsNorm', (a, g) => fused.rmsNorm(a, g, 1e-6), (a, g) => fused.rmsNormComposite(a, g, 1e-6), [x, w]],
      ['gelu', (a) => fused.gelu(a, 'none'), (a) => fused.geluComposite(a, 'none'), [x]],
      ['gelu tanh', (a) => fused.gelu(a, 'tanh'), (a) => fused.geluComposite(a, 'tanh'), [x]],
      ['swiGlu', (a, c) => fused.swiGlu(a, c), (a, c) => fused.swiGluComposite(a, c), [x, tensor([2, 3, 8], 5)]],
      ['maskedSoftmax', (s) => fused.maskedSoftmax(s, mask, 0.5), (s) => fused.maskedSoftmaxComposite(s, mask, 0.5), [scores]],
      ['attention', (a, c, d) => fused.attention(a, c, d, mask, 0.5), (a, c, d) => fused.attentionComposite(a, c, d, mask, 0.5), [tensor([2, 2, 8, 4], 8), tensor([2, 2, 8, 4], 9), tensor([2, 2, 8, 4], 10)]],
    ];
    for (const [name, op, composite, xs] of pairs) assert.deepEqual(valueAndGrads(op, xs), valueAndGrads(composite, xs), name);
  });

  it('the composite backward formulas equal autodiff of the composites', () => {
    const x = tensor([3, 5, 12], 11);
    const w = tf.add(1, tensor([12], 12));
    const b = tensor([12], 13);
    const dy = tensor([3, 5, 12], 14);
    const close = (got: tf.Tensor, want: tf.Tensor, label: string) => {
      const err = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(want)).dataSync()[0]);
      assert.ok(err < 1e-5, `${label}: relative error ${err}`);
    };
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1);
      const [dx, dg, db] = fused.layerNormBackwardComposite(dy, x, w, tf.reshape(mean, [-1]), tf.reshape(tf.rsqrt(tf.add(variance, 1e-5)), [-1]));
      const want = tf.grads((a: tf.Tensor, g: tf.Tensor, c: tf.Tensor) => fused.layerNormComposite(a, g, c, 1e-5))([x, w, b], dy);
      close(dx, want[0], 'layerNorm dx');
      close(dg, want[1], 'layerNorm dgamma');
      close(db, want[2], 'layerNorm dbeta');
      const invRms = tf.reshape(tf.rsqrt(tf.add(tf.mean(tf.square(x), -1), 1e-6)), [-1]);
      const [rdx, rdw] = fused.rmsNormBackwardComposite(dy, x, w, invRms);
      const rwant = tf.grads((a: tf.Tensor, g: tf.Tensor) => fused.rmsNormComposite(a, g, 1e-6))([x, w], dy);
      close(rdx, rwant[0], 'rmsNorm dx');
      close(rdw, rwant[1], 'rmsNorm dweight');
      for (const approximate of ['none', 'tanh'] as const) {
        close(fused.geluBackwardComposite(dy, tf.mul(x, 4), approximate), tf.grad((a: tf.Tensor) => fused.geluComposite(a, approximate))(tf.mul(x, 4), dy), `gelu ${approximate}`);
      }
      // Attention over [2, 3, 5, 4] queries and [2, 3, 7, 4] keys, a padding mask [2, 1, 1, 7].
      const [q, k, v] = [tensor([2, 3, 5, 4], 21), tensor([2, 3, 7, 4], 22), tensor([2, 3, 7, 4], 23)];
      const mask = tf.tensor(Array.from({ length: 14 }, (_, j) => (j % 7 > 4 + (j >= 7 ? 1 : 0) ? -1e9 : 0)), [2, 1, 1, 7]);
      const dout = tensor([2, 3, 5, 4], 24);
      const out = fused.attentionComposite(q, k, v, mask, 0.5);
      const lse = tf.logSumExp(tf.add(tf.mul(tf.matMul(q, k, false, true), 0.5), mask), -1);
      const [dq, dk, dv] = fused.attentionBackwardComposite(dout, q, k, v, mask, out, lse, 0.5);
      const awant = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => fused.attentionComposite(a, c, d, mask, 0.5))([q, k, v], dout);
      close(dq, awant[0], 'attention dq');
      close(dk, awant[1], 'attention dk');
      close(dv, awant[2], 'attention dv');
      const [dgate, dup] = fused.swiGluBackwardComposite(dy, tf.mul(x, 4), w);
      const swant = tf.grads((g: tf.Tensor, u: tf.Tensor) => fused.swiGluComposite(g, u))([tf.mul(x, 4), tf.broadcastTo(w, x.shape)], dy);
      close(dgate, swant[0], 'swiGlu dgate');
      close(dup, swant[1], 'swiGlu dup');
    });
  });

  it('mask strides follow numpy broadcasting', () => {
    assert.deepEqual(broadcastStrides([2, 1, 1, 5], [2, 3, 4, 5]), [5, 0, 0, 1]);
    assert.deepEqual(broadcastStrides([4, 5], [2, 3, 4, 5]), [0, 0, 5, 1]);
    assert.deepEqual(broadcastStrides([1, 1, 4, 1], [2, 3, 4, 5]), [0, 0, 1, 0]);
    assert.equal(broadcastStrides([2, 1, 3, 5], [2, 3, 4, 5]), undefined);
  });
});
