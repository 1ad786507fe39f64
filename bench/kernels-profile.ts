/**
 * Training-step throughput and per-kernel time on wasm, for the two reference models of
 * docs/notes: an MLP (784-256-10, batch 64) and an embedding + self-attention classifier
 * (vocab 5000, dim 64, seq 64, batch 32), both with Adam.
 * Run: npx tsx bench/kernels-profile.ts [--quick]. Prints figures; asserts nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels } from '../src/trainer/backends';
import { replaceKernel } from '../src/trainer/backends/kernels/registry';
import { wasmSegmentSumConfig } from '../src/trainer/backends/kernels/segment-sum';
import { initWasm } from '../src/trainer/backends/wasm';

interface Model {
  name: string;
  batch: number;
  /** Builds variables and batch data; returns the loss of one batch. */
  loss: () => tf.Scalar;
  variables: tf.Variable[];
}

const glorot = (shape: number[]): tf.Variable => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / (shape[0] + shape[shape.length - 1]))));

function mlp(): Model {
  const batch = 64;
  const w1 = glorot([784, 256]);
  const b1 = tf.variable(tf.zeros([256]));
  const w2 = glorot([256, 10]);
  const b2 = tf.variable(tf.zeros([10]));
  const x = tf.randomUniform([batch, 784]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  return {
    name: 'MLP 784-256-10, batch 64',
    batch,
    variables: [w1, b1, w2, b2],
    loss: () => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Scalar,
  };
}

/** [b, s, d] x [d, e] through 2-D: tfjs's BatchMatMul gradient does not reduce a broadcast batch. */
function dense3d(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [b, s, d] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * s, d]), w), [b, s, w.shape[1]]);
}

function attention(): Model {
  const [batch, seq, dim, vocab] = [32, 64, 64, 5000];
  const embedding = glorot([vocab, dim]);
  const [wq, wk, wv, wo] = [0, 1, 2, 3].map(() => glorot([dim, dim]) as tf.Variable<tf.Rank.R2>);
  const head = glorot([dim, 2]);
  const ids = tf.randomUniform([batch, seq], 0, vocab, 'int32');
  const y = tf.oneHot(tf.randomUniform([batch], 0, 2, 'int32'), 2);
  return {
    name: 'embedding + attention, vocab 5000, seq 64, batch 32',
    batch,
    variables: [embedding, wq, wk, wv, wo, head],
    loss: () => {
      const h = tf.reshape(tf.gather(embedding, tf.reshape(ids, [-1])), [batch, seq, dim]) as tf.Tensor3D;
      const q = dense3d(h, wq);
      const k = dense3d(h, wk);
      const v = dense3d(h, wv);
      const scores = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dim)));
      const attended = tf.add(h, dense3d(tf.matMul(scores, v), wo));
      const pooled = tf.mean(attended, 1);
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(pooled, head)) as tf.Scalar;
    },
  };
}

function step(model: Model, optimizer: tf.Optimizer): void {
  const cost = optimizer.minimize(model.loss, true, model.variables);
  cost?.dataSync();
  cost?.dispose();
}

function examplesPerSecond(model: Model, seconds: number): number {
  const optimizer = tf.train.adam(1e-3);
  step(model, optimizer);
  step(model, optimizer);
  const times: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  do {
    const start = performance.now();
    step(model, optimizer);
    times.push(performance.now() - start);
  } while (performance.now() < deadline && times.length < 200);
  optimizer.dispose();
  times.sort((a, b) => a - b);
  return model.batch / (times[Math.floor(times.length / 2)] / 1000);
}

async function topKernels(model: Model, count: number): Promise<string[]> {
  const optimizer = tf.train.adam(1e-3);
  step(model, optimizer);
  const profile = await tf.profile(() => step(model, optimizer));
  optimizer.dispose();
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const time = await k.kernelTimeMs;
    const ms = typeof time === 'number' ? time : 0;
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  return [...byName.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, count)
    .map(([name, e]) => `  ${name.padEnd(22)} ${e.ms.toFixed(2).padStart(8)} ms ${String(e.calls).padStart(5)} calls ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`)
    .concat(`  ${'total'.padEnd(22)} ${total.toFixed(2).padStart(8)} ms ${String(profile.kernels.length).padStart(5)} calls`);
}

async function main(): Promise<void> {
  const seconds = process.argv.includes('--quick') ? 2 : 6;
  await initWasm(1, () => {});
  const models = [mlp(), attention()];
  // Stock wasm cannot train an embedding (no UnsortedSegmentSum), so "stock" gets that kernel only.
  replaceKernel(tf.UnsortedSegmentSum, 'wasm', () => wasmSegmentSumConfig);
  const stock = models.map((m) => examplesPerSecond(m, seconds));
  registerFastKernels('wasm');
  const patched = models.map((m) => examplesPerSecond(m, seconds));
  console.log(`\ntraining examples/s on wasm (median step), tfjs ${tf.version_core}\n`);
  models.forEach((m, i) => {
    console.log(`${m.name}: stock ${stock[i].toFixed(0)}, patched ${patched[i].toFixed(0)} (${(patched[i] / stock[i]).toFixed(1)}×)`);
  });
  for (const m of models) {
    console.log(`\ntop kernels, one patched training step: ${m.name}`);
    for (const line of await topKernels(m, 12)) console.log(line);
  }
  console.log(`\ntensors alive at the end: ${tf.memory().numTensors}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
