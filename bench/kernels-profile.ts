/**
 * Training-step throughput and per-kernel time on wasm, for the two reference models of
 * docs/notes (an MLP and an embedding + self-attention classifier) and the built-in text-classifier
 * and transformer-encoder (bench/kernels-models.ts), all with Adam.
 * Run: npx tsx bench/kernels-profile.ts [--quick]. Prints figures; asserts nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels } from '../src/trainer/backends';
import { replaceKernel } from '../src/trainer/backends/kernels/registry';
import { wasmSegmentSumConfig } from '../src/trainer/backends/kernels/segment-sum';
import { initWasm } from '../src/trainer/backends/wasm';
import { attention, builtin, examplesPerSecond, mlp, step, type Model } from './kernels-models';

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
  const models = [mlp(), attention(), builtin('text-classifier'), builtin('transformer-encoder')];
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
