/**
 * The fused transformer ops (src/trainer/backends/fused) with the native addon's wasm kernels
 * against their composites on the pure-wasm backend: outputs and gradients on random shapes,
 * odd sizes included, (1) with the forward and backward kernels registered, (2) with only the
 * forward kernel (the op's registered gradient then runs its composite backward). And on a
 * backend without the kernels (cpu) the op is its composite, bit for bit.
 *
 * Tolerances are norm-wise relative errors (max |got − want| / max |want|, helpers.ts):
 * FORWARD 2e-6 — each output element is a short float32 expression of its row; the kernels
 * accumulate row sums in double where tfjs sums in float32, and glibc's expf/erff/tanhf differ from
 * wasm's by an ulp or two, so they differ by a few float32 roundings (ε = 1.2e-7) of the largest
 * values. BACKWARD 5e-6 — a gradient is a longer chain (the composite rounds at each of its ~6
 * tfjs ops), and dgamma/dbeta/dweight sum over up to a few hundred rows (about ε·√rows more).
 * Measured: at most 5.3e-7 on these cases (FTS_SHOW_ERRORS=1 prints them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { hasFusedKernels, loadBlasAddon } from '../../../src/trainer/backends/blas-addon';
import * as fused from '../../../src/trainer/backends/fused';
import { makeNativeFusedKernels } from '../../../src/trainer/backends/kernels/native-fused';
import { initWasm } from '../../../src/trainer/backends/wasm';
import { activationBytes } from '../../../src/trainer/memory/estimate';
import { currentLimit } from '../../../src/trainer/memory/backend-limits';
import { transformerShape } from '../../../src/trainer/memory/shape';
import { randomValues, relativeError } from './helpers';

const FORWARD = 2e-6;
const BACKWARD = 5e-6;
const FLOAT32_MIN = -3.4028234663852886e38;

const loaded = loadBlasAddon({ ...process.env, FTS_NATIVE: '1' });
const skip = !loaded.ok ? `the native addon is not built here: ${loaded.reason}` : !hasFusedKernels(loaded.addon) ? 'the native addon predates the fused kernels: npm run build:native' : false;

/** What a case computes: the op's output and the gradients of Σ output·dy with respect to its inputs. */
interface Case {
  name: string;
  inputs: tf.Tensor[];
  op: (...inputs: tf.Tensor[]) => tf.Tensor;
}

function tensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.mul(tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape), scale);
}

/** Output and gradients as plain arrays. */
function evaluate(c: Case): Float32Array[] {
  return tf.tidy(() => {
    const out = c.op(...c.inputs);
    const dy = tensor(out.shape, 99);
    const grads = tf.grads((...xs: tf.Tensor[]) => c.op(...xs))(c.inputs, dy);
    return [out, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

const NORM_SHAPES = [[3, 7, 33], [1, 1, 5], [2, 129], [5, 1], [4, 17, 64]];

function cases(): Case[] {
  const list: Case[] = [];
  NORM_SHAPES.forEach((shape, i) => {
    const h = shape[shape.length - 1];
    list.push({
      name: `layerNorm [${shape}]`,
      inputs: [tensor(shape, i + 1, 3), tf.add(1, tensor([h], i + 2, 0.5)), tensor([h], i + 3, 0.5)],
      op: (x, gamma, beta) => fused.layerNorm(x, gamma, beta, 1e-12),
    });
    // One feature is ill-conditioned for RMSNorm (dx = s·g·eps/(x² + eps), a difference of near-equal terms in every implementation).
    if (h > 1) list.push({
      name: `rmsNorm [${shape}]`,
      inputs: [tensor(shape, i + 4, 3), tf.add(1, tensor([h], i + 5, 0.5))],
      op: (x, weight) => fused.rmsNorm(x, weight, 1e-6),
    });
  });
  for (const [shape, seed] of [[[3, 5, 31], 1], [[2, 9, 128], 2], [[7], 3], [[1, 1], 4]] as const) {
    for (const approximate of ['none', 'tanh'] as const) {
      list.push({ name: `gelu ${approximate} [${shape}]`, inputs: [tensor([...shape], seed, 4)], op: (x) => fused.gelu(x, approximate) });
    }
    list.push({ name: `swiGlu [${shape}]`, inputs: [tensor([...shape], seed + 10, 4), tensor([...shape], seed + 20, 2)], op: (g, u) => fused.swiGlu(g, u) });
  }
  // Scores [b, heads, T, S] with padding masks [b, 1, 1, S], causal masks [b, 1, T, S] / [1, 1, T, S], and a fully masked row.
  const padding = (b: number, s: number) => tf.tensor(Array.from({ length: b * s }, (_, j) => (j % s >= s - (j % 3) ? FLOAT32_MIN : 0)), [b, 1, 1, s]);
  const causal = (b: number, t: number, s: number) =>
    tf.tensor(Array.from({ length: b * t * s }, (_, j) => (j % s > Math.floor(j / s) % t + (s - t) ? FLOAT32_MIN : 0)), [b, 1, t, s]);
  const fullyMasked = tf.tensor(Array.from({ length: 2 * 3 * 5 }, (_, j) => (j < 5 ? FLOAT32_MIN : j % 2 ? 0.25 : -1)), [2, 1, 3, 5]);
  for (const [name, shape, mask] of [
    ['padding', [2, 3, 7, 7], padding(2, 7)],
    ['padding, odd', [3, 1, 5, 13], padding(3, 13)],
    ['causal', [2, 4, 9, 9], causal(2, 9, 9)],
    ['causal, shared over the batch', [3, 2, 6, 11], causal(1, 6, 11)],
    ['a fully masked row', [2, 2, 3, 5], fullyMasked],
  ] as const) {
    list.push({
      name: `maskedSoftmax ${name} [${shape}]`,
      inputs: [tensor([...shape], shape[3], 3)],
      op: (scores) => fused.maskedSoftmax(scores, mask, 0.125),
    });
  }
  return list;
}

describe('native fused kernels match their composites on wasm', { skip }, () => {
  let configs: tf.KernelConfig[] = [];

  before(async () => {
    if (!loaded.ok || !hasFusedKernels(loaded.addon)) return;
    await initWasm(1, () => {}, { ...process.env, FTS_NATIVE: '0' });
    configs = makeNativeFusedKernels(loaded.addon);
  });

  after(() => unregister(configs.map((c) => c.kernelName)));

  function unregister(names: readonly string[]): void {
    for (const name of names) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }

  /** Runs `f` with the named native kernels registered (none of ours otherwise). */
  function withKernels<T>(names: readonly string[], f: () => T): T {
    unregister(fused.FUSED_KERNEL_NAMES);
    for (const config of configs) if (names.includes(config.kernelName)) tf.registerKernel(config);
    try {
      return f();
    } finally {
      unregister(names);
    }
  }

  function compare(label: string, got: Float32Array[], want: Float32Array[]): void {
    assert.equal(got.length, want.length);
    got.forEach((values, i) => {
      const err = relativeError(values, want[i]);
      const tolerance = i === 0 ? FORWARD : BACKWARD;
      if (process.env.FTS_SHOW_ERRORS) console.log(label, i, err.toExponential(2));
      assert.ok(err <= tolerance, `${label}: ${i === 0 ? 'output' : `gradient ${i}`} relative error ${err.toExponential(2)} > ${tolerance}`);
    });
  }

  it('forward and backward kernels give the composite outputs and gradients', () => {
    for (const c of cases()) {
      assert.equal(tf.getKernel(fused.FtsLayerNorm, 'wasm'), undefined, 'pure wasm runs the composites');
      const want = evaluate(c);
      const got = withKernels(fused.FUSED_KERNEL_NAMES, () => evaluate(c));
      compare(c.name, got, want);
      tf.dispose(c.inputs);
    }
  });

  it('a forward kernel alone: the registered gradient runs the composite backward', () => {
    const forwardOnly = fused.FUSED_KERNEL_NAMES.filter((name) => !name.endsWith('Grad'));
    for (const c of cases()) {
      const want = evaluate(c);
      const got = withKernels(forwardOnly, () => evaluate(c));
      compare(`${c.name} (composite backward)`, got, want);
      tf.dispose(c.inputs);
    }
  });

  it('fused ops release every intermediate (the statistics outputs included)', () => {
    withKernels(fused.FUSED_KERNEL_NAMES, () => {
      const x = tensor([4, 6, 10], 5);
      const gamma = tf.ones([10]);
      const beta = tf.zeros([10]);
      const before = tf.memory().numTensors;
      const y = fused.layerNorm(x, gamma, beta, 1e-5);
      const z = fused.rmsNorm(x, gamma, 1e-5);
      assert.equal(tf.memory().numTensors, before + 2, 'only the outputs remain');
      tf.dispose([x, gamma, beta, y, z]);
    });
  });

  it('a kernel rejects a mask that does not broadcast, naming the kernel', () => {
    withKernels(fused.FUSED_KERNEL_NAMES, () => {
      const scores = tf.zeros([2, 2, 3, 5]);
      const mask = tf.zeros([2, 1, 3, 4]);
      assert.throws(() => fused.maskedSoftmax(scores, mask, 1), /FtsMaskedSoftmax: mask of shape \[2,1,3,4\] does not broadcast to scores \[2,2,3,5\]/);
      tf.dispose([scores, mask]);
    });
  });

  it('the memory plan counts the fused kernels\' activations on wasm only while they are registered', () => {
    const fusedLimit = withKernels(fused.FUSED_KERNEL_NAMES, () => currentLimit('wasm'));
    assert.equal(fusedLimit.fusedKernels, true);
    assert.equal(withKernels([], () => currentLimit('wasm')).fusedKernels, undefined);
    const shape = transformerShape({ model_type: 'bert', vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 }, 'config.json', 2);
    const step = { batchSize: 8, seqLength: 128, dropout: true, gradientCheckpointing: false };
    assert.ok(activationBytes(shape, { ...step, fusedKernels: true }) < 0.75 * activationBytes(shape, step));
  });
});
