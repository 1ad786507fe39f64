/**
 * Fused attention on WebGPU against the composite (matMul, scale + mask, softmax, matMul, and
 * tfjs's gradients of those), in one run: forward + backward for a few (T, head dim), then one
 * training step of a small BERT (forward, backward, SGD update) with FtsAttention/FtsAttentionGrad
 * registered and not.
 *
 * Run: FTS_LAVAPIPE_DIR=/path/to/lavapipe npx tsx bench/webgpu-attention.ts [--quick]
 * (or with a hardware adapter and no FTS_LAVAPIPE_DIR). Prints a Markdown table; asserts nothing.
 * Figures per iteration: wall ms and this process's CPU ms (lavapipe runs the shaders on this
 * process's threads, so CPU ms is the work done even on a busy machine); the median of rounds that
 * alternate composite and fused, each round closed by reading its results back.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionGradKernel, attentionKernel } from '../src/trainer/backends/kernels/webgpu-attention';
import type { ParamFactory } from '../src/trainer/models/hf/layers';
import { QUICK, row, runBeforeAfterBench, smallBertLoss, timeBoth } from './webgpu-before-after';

const KERNELS: Record<string, tf.KernelFunc> = { FtsAttention: attentionKernel, FtsAttentionGrad: attentionGradKernel };

/** Registers or removes the fused attention kernels (every caller falls back to the composite without them). */
function useFusedAttention(on: boolean): void {
  for (const [kernelName, kernelFunc] of Object.entries(KERNELS)) {
    const registered = tf.getKernel(kernelName, 'webgpu') !== undefined;
    if (on && !registered) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
    if (!on && registered) tf.unregisterKernel(kernelName, 'webgpu');
  }
}

/** The encoders' attention math before the fused op (tfjs ops, gradients by tfjs). */
function compositeAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, scale: number): tf.Tensor {
  return tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask), -1), v);
}

/** The fused kernels, forward then backward, as the op's registered gradient calls them. */
function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, scale: number, dout: tf.Tensor): tf.Tensor[] {
  const [out, logsumexp] = tf.engine().runKernel('FtsAttention', { q, k, v, mask }, { scale }) as tf.Tensor[];
  const grads = tf.engine().runKernel('FtsAttentionGrad', { dout, q, k, v, mask, out, logsumexp }, { scale }) as tf.Tensor[];
  tf.dispose([out, logsumexp]);
  return grads;
}

/** [batch, heads, T, head dim] cases: BERT-mini's heads (d 64), a small encoder's (d 32), a long row. */
const CASES: [number, number, number, number][] = QUICK
  ? [[4, 4, 128, 32]]
  : [[4, 4, 128, 32], [2, 4, 128, 64], [1, 4, 512, 64]];

async function benchOps(): Promise<string[]> {
  const lines: string[] = [];
  for (const [B, H, T, D] of CASES) {
    const [q, k, v, dout] = [1, 2, 3, 4].map((seed) => tf.randomNormal([B, H, T, D], 0, 1, 'float32', seed));
    // Padding: the last eighth of each row's keys masked, as transformers' extended mask does.
    const mask = tf.tidy(() => tf.mul(tf.cast(tf.greaterEqual(tf.range(0, T), Math.floor((T * 7) / 8)), 'float32'), -3.4028234663852886e38).reshape([1, 1, 1, T]));
    const scale = D ** -0.5;
    const composite = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(compositeAttention(a, b, c, mask, scale), dout)))([q, k, v]));
    const fused = () => tf.tidy(() => fusedAttention(q, k, v, mask, scale, dout));
    const [before, after] = await timeBoth({ setup: () => useFusedAttention(false), body: composite }, { setup: () => useFusedAttention(true), body: fused }, QUICK ? 2 : 3);
    lines.push(row(`attention fwd+bwd B${B} h${H} T${T} d${D}`, before, after));
    tf.dispose([q, k, v, dout, mask]);
  }
  return lines;
}

/** One SGD step of a 2-layer BERT (hidden 128, 4 heads of 32), 8 rows of 64 tokens with padding, dropout off. */
async function benchStep(): Promise<string[]> {
  const weights: tf.Variable[] = [];
  const param: ParamFactory = (name, shape) => {
    const variable = tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', weights.length + 1), true, `bench-${name}-${weights.length}`);
    weights.push(variable);
    return variable;
  };
  const loss = smallBertLoss(param);
  const optimizer = tf.train.sgd(1e-3);
  const step = () => {
    const { value, grads } = tf.variableGrads(loss, weights);
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return [value];
  };
  useFusedAttention(true);
  const profile = await tf.profile(() => tf.dispose(step()));
  const calls = profile.kernelNames.includes('FtsAttention');
  const [before, after] = await timeBoth({ setup: () => useFusedAttention(false), body: step }, { setup: () => useFusedAttention(true), body: step }, QUICK ? 1 : 2);
  tf.dispose(weights);
  optimizer.dispose();
  const name = `training step: BERT 2x128 (4 heads, d32), 8x64 tokens${calls ? '' : ' (the encoder does not call FtsAttention at this commit)'}`;
  return [row(name, before, after)];
}

runBeforeAfterBench([benchOps, benchStep]);
