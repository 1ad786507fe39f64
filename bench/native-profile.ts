/**
 * Where a BERT-mini (or --model smollm: SmolLM-shaped) training step (bench/trainer-setup.ts) spends its time on
 * wasm, with or without the native addon: tfjs kernels by total time (tf.profile), and the step's
 * wall and CPU time, whose difference from the kernel sum is the optimizer / norm (native calls,
 * not kernels) and JavaScript. Prints figures; asserts nothing.
 *
 * `--composite` unregisters the native fused kernels (backends/fused): the ops run their tfjs composites.
 *
 *   npx tsx bench/native-profile.ts [--model bert-mini|smollm] [--pure] [--composite] [--threads N] [--top N]
 */
import * as tf from '@tensorflow/tfjs';
import { IGNORE_INDEX } from '../src/trainer/data/labels';
import { createLoss } from '../src/trainer/losses';
import { causalLmLoss } from '../src/trainer/losses/causal';
import { gradNormAndClipCoefficient } from '../src/trainer/gradients';
import { createOptimizer } from '../src/trainer/optimizers';
import { FUSED_KERNEL_NAMES } from '../src/trainer/backends/fused';
import { removeKernel } from '../src/trainer/backends/kernels/registry';
import { buildBenchModel, MODEL_IDS, startBackend, trainingArgs, type ModelId } from './trainer-setup';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const pure = process.argv.includes('--pure');
  const top = Number(flag('--top') ?? 15);
  const device = await startBackend(pure ? 'wasm' : flag('--threads') === '2' ? 'wasm-native-2' : 'wasm-native');
  if (process.argv.includes('--composite')) for (const name of FUSED_KERNEL_NAMES) removeKernel(name, 'wasm');
  const modelId = (flag('--model') ?? 'bert-mini') as ModelId;
  if (!MODEL_IDS.includes(modelId)) throw new Error(`--model: one of ${MODEL_IDS.join(', ')}`);
  const bench = await buildBenchModel(modelId);
  const args = trainingArgs(bench.batchSize, '/tmp');
  const optimizer = createOptimizer(args, bench.model.trainableWeights());
  const loss = bench.model.lossShiftsLabels ? causalLmLoss(createLoss('CrossEntropy', {}), IGNORE_INDEX) : createLoss('CrossEntropy', {});
  const weights = bench.model.trainableWeights();
  const names = new Map(weights.map((w) => [w.variable.name, w.name]));
  const rows = Int32Array.from({ length: bench.batchSize }, (_, i) => i);
  const { labels, ...features } = bench.dataset.batch(rows);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(
      () => loss(bench.model.forward(features, { training: true, seed: 1 }).logits, labels as tf.Tensor, { numItemsInBatch: bench.itemsPerBatch }) as tf.Scalar,
      weights.map((w) => w.variable),
    );
    const named = Object.fromEntries(Object.entries(grads).map(([n, g]) => [names.get(n) ?? n, g]));
    const { norm, coefficient } = gradNormAndClipCoefficient(named, 1);
    optimizer.applyGradients(named, coefficient ? { scale: coefficient } : undefined);
    tf.dispose([value, norm, ...(coefficient ? [coefficient] : []), ...Object.values(named)]);
  };
  step();
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  step();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  const profile = await tf.profile(step);
  const byName = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const time = await k.kernelTimeMs;
    const entry = byName.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof time === 'number' ? time : 0;
    entry.calls += 1;
    byName.set(k.name, entry);
  }
  const total = [...byName.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${bench.title} step, ${device}: ${wallMs.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (unprofiled step)`);
  console.log(`kernels (profiled step, wall ms): total ${total.toFixed(0)} ms in ${profile.kernels.length} calls`);
  for (const [name, e] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls ${((100 * e.ms) / total).toFixed(1).padStart(5)}%`);
  }
  optimizer.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
