import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backends';
import { maskStrides, tileFor, rowsFor, forwardRowBytes, MAX_TILE } from '../../../src/trainer/backends/kernels/webgpu-attention-shaders';
import { ATTENTION_CASES, attentionOperands, type AttentionCase, type AttentionResult } from './fixtures/attention-cases';
import { runFixture, vulkanEnv } from './fixtures/children';
import type { WebGpuAttentionResult } from './fixtures/webgpu-attention';
import { relativeError } from './helpers';

/**
 * The webgpu FtsAttention / FtsAttentionGrad kernels (tiled, online softmax) against the composite
 * attention on the cpu backend, on every case of fixtures/attention-cases.ts. The kernels run in a
 * child process with the Vulkan variables (lavapipe in CI); see webgpu.test.ts for when that skips.
 */

/** float32 sums in another order (tiles, online rescaling) differ from the composite by a few ulps of the largest value. */
const TOLERANCE = 2e-5;

/** The composite on cpu: scores·scale + mask (+ the causal rule), softmax, ·v; grouped kv heads repeated. */
function reference(c: AttentionCase, index: number): AttentionResult {
  return tf.tidy(() => {
    const { q, k, v, dout, mask, scale } = attentionOperands(c, index);
    const rep = c.heads / c.kvHeads;
    // transformers' repeat_kv: query head h reads kv head floor(h / rep).
    const heads = tf.tensor1d(Array.from({ length: c.heads }, (_, h) => Math.floor(h / rep)), 'int32');
    const expand = (x: tf.Tensor) => (rep === 1 ? x : tf.gather(x, heads, 1));
    let bias = mask;
    if (c.causalAttr) {
      const shift = c.keyLength - c.queryLength;
      const causal = tf.tensor2d(
        Array.from({ length: c.queryLength * c.keyLength }, (_, n) => (n % c.keyLength > Math.floor(n / c.keyLength) + shift ? -3.4028234663852886e38 : 0)),
        [c.queryLength, c.keyLength],
      );
      bias = bias ? tf.minimum(tf.add(bias, tf.zeros([1, 1, c.queryLength, c.keyLength])), causal) : causal;
    }
    const logits = (a: tf.Tensor, b: tf.Tensor) => {
      const s = tf.mul(tf.matMul(a, expand(b), false, true), scale);
      return bias ? tf.add(s, bias) : s;
    };
    const attend = (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => tf.matMul(tf.softmax(logits(a, b), -1), expand(x));
    const [dq, dk, dv] = tf.grads((a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => tf.sum(tf.mul(attend(a, b, x), dout)))([q, k, v]);
    const read = (t: tf.Tensor) => Array.from(t.dataSync());
    return { name: c.name, out: read(attend(q, k, v)), logsumexp: read(tf.logSumExp(logits(q, k), -1)), dq: read(dq), dk: read(dk), dv: read(dv) };
  });
}

describe('webgpu fused attention', () => {
  const env = vulkanEnv();
  let gpu: WebGpuAttentionResult;
  let unavailable: string | undefined;

  before(async () => {
    gpu = await runFixture<WebGpuAttentionResult>('webgpu-attention.ts', [], env);
    await initBackend({ backend: 'cpu' });
    if (gpu.ok) return;
    assert.match(gpu.reason, /^backend: webgpu is not available: /);
    assert.equal(process.env.FTS_LAVAPIPE_DIR, undefined, `lavapipe is set up but webgpu did not start: ${gpu.reason}`);
    assert.notEqual(process.env.FTS_REQUIRE_WEBGPU, '1', `FTS_REQUIRE_WEBGPU=1 but webgpu did not start: ${gpu.reason}`);
    unavailable = `${gpu.reason.split('.')[0]} (run scripts/setup-lavapipe.sh and set FTS_LAVAPIPE_DIR)`;
  });

  for (const [index, c] of ATTENTION_CASES.entries()) {
    it(`${c.name}: out, logsumexp, dq, dk, dv equal the cpu composite`, (t) => {
      if (!gpu.ok) return t.skip(unavailable);
      const got = gpu.cases[index];
      const want = reference(c, index);
      assert.equal(got.name, c.name);
      for (const key of ['out', 'logsumexp', 'dq', 'dk', 'dv'] as const) {
        const error = relativeError(got[key], want[key]);
        assert.ok(error <= TOLERANCE, `${key}: relative error ${error}`);
      }
    });
  }
});

describe('fused attention tiles and masks', () => {
  const dims = { batch: 2, heads: 4, kvHeads: 4, queryLength: 5, keyLength: 7, headDim: 8 };

  it('reads a broadcast mask through zero strides: padding [B,1,1,S], causal [B,1,T,S], [T,S], full', () => {
    assert.deepEqual(maskStrides([2, 1, 1, 7], dims), [7, 0, 0, 1]);
    assert.deepEqual(maskStrides([2, 1, 5, 7], dims), [35, 0, 7, 1]);
    assert.deepEqual(maskStrides([5, 7], dims), [0, 0, 7, 1]);
    assert.deepEqual(maskStrides([2, 4, 5, 7], dims), [140, 35, 7, 1]);
    assert.throws(() => maskStrides([2, 1, 1, 6], dims), /mask \[2, 1, 1, 6\] does not broadcast to \[2, 4, 5, 7\]/);
  });

  it('stages no more rows than maxComputeWorkgroupStorageSize holds, and says so when not even one fits', () => {
    assert.equal(tileFor(forwardRowBytes(128), 16384, 512), 16);
    assert.equal(tileFor(forwardRowBytes(64), 32768, 512), MAX_TILE);
    assert.equal(tileFor(forwardRowBytes(64), 32768, 7), 7);
    assert.throws(() => tileFor(forwardRowBytes(256), 1024, 512), /2048 bytes of workgroup memory per row.*allows 1024 \(maxComputeWorkgroupStorageSize\)/);
    assert.equal(rowsFor(5), 8);
    assert.equal(rowsFor(70), 64);
  });
});
