/**
 * Where the Trainer's time over the bare loop goes, in one process on one backend. Variants run
 * in short interleaved chunks (bare, bare + batch() copy, bare + batch() + clip, Trainer); each
 * chunk's figure is the median CPU time per step (less disturbed by other processes than wall
 * time). Then one profiled chunk per variant counts kernels and new tensors per step and splits
 * the step into time inside kernels and time outside them (JS around the kernels).
 * Run: npx tsx bench/trainer-overhead.ts [--model mlp|text|transformer] [--backend wasm|...] [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { BlockDataset } from '../src/trainer/data';
import { clipGradNorm } from '../src/trainer/gradients';
import { createLoss } from '../src/trainer/losses';
import { createModel } from '../src/trainer/models';
import { epochPermutation, mulberry32 } from '../src/trainer/random';
import { median } from './trainer-clock';
import { runBare, runTrainer, type LoopOptions } from './trainer-loops';
import {
  BACKEND_IDS,
  buildBenchModel,
  isSynchronous,
  MODEL_IDS,
  modelConfig,
  SEED,
  startBackend,
  type BackendId,
  type BenchModel,
  type ModelId,
} from './trainer-setup';

type Variant = 'bare' | 'bare+batch' | 'bare+batch+clip' | 'trainer';
const VARIANTS: readonly Variant[] = ['bare', 'bare+batch', 'bare+batch+clip', 'trainer'];

function runVariant(bench: BenchModel, variant: Variant, options: LoopOptions) {
  if (variant === 'trainer') return runTrainer(bench, options);
  return runBare(bench, options, { batchCopy: variant !== 'bare', clip: variant === 'bare+batch+clip' });
}

interface KernelFigures {
  kernelsPerStep: number;
  /** Tensors created per step (kernel outputs, scalars made from JS numbers, batch tensors). */
  newTensorsPerStep: number;
  /** Wall time per step of the profiled run, and the part of it spent inside kernels. */
  profiledMsPerStep: number;
  kernelMsPerStep: number;
  byName: Map<string, { calls: number; ms: number }>;
}

async function profileOnce(bench: BenchModel, variant: Variant, options: LoopOptions, steps: number): Promise<KernelFigures> {
  const fixed: LoopOptions = { ...options, warmupMs: 0, warmupUnits: 0, budgetMs: 0, minUnits: steps };
  const firstId = nextTensorId();
  const start = performance.now();
  const info = await tf.profile(async () => {
    await runVariant(bench, variant, fixed);
  });
  const wallMs = performance.now() - start;
  const created = nextTensorId() - firstId - 1;
  const byName = new Map<string, { calls: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const time = await k.kernelTimeMs;
    const ms = typeof time === 'number' ? time : 0;
    total += ms;
    const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += ms;
    byName.set(k.name, entry);
  }
  // The run includes the optimizer's first step (slot creation) and the clock's extra unit: close enough per step.
  const n = steps + 1;
  for (const entry of byName.values()) {
    entry.calls /= n;
    entry.ms /= n;
  }
  return { kernelsPerStep: info.kernels.length / n, newTensorsPerStep: created / n, profiledMsPerStep: wallMs / n, kernelMsPerStep: total / n, byName };
}

/** Profiled runs repeated `repeats` times; every figure is the median over the repeats (other load makes single runs jumpy). */
async function profileVariant(bench: BenchModel, variant: Variant, options: LoopOptions, steps: number, repeats: number): Promise<KernelFigures> {
  // Per-kernel reads for NaN checks would dominate the profile.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const runs: KernelFigures[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await profileOnce(bench, variant, options, steps));
  const names = new Set(runs.flatMap((run) => [...run.byName.keys()]));
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const name of names) {
    const entries = runs.map((run) => run.byName.get(name) ?? { calls: 0, ms: 0 });
    byName.set(name, { calls: median(entries.map((e) => e.calls)), ms: median(entries.map((e) => e.ms)) });
  }
  const med = (pick: (f: KernelFigures) => number) => median(runs.map(pick));
  return {
    kernelsPerStep: med((f) => f.kernelsPerStep),
    newTensorsPerStep: med((f) => f.newTensorsPerStep),
    profiledMsPerStep: med((f) => f.profiledMsPerStep),
    kernelMsPerStep: med((f) => f.kernelMsPerStep),
    byName,
  };
}

/** Tensor ids are sequential: the id of a fresh tensor counts every tensor made before it. */
function nextTensorId(): number {
  const probe = tf.scalar(0);
  const id = probe.id;
  probe.dispose();
  return id;
}

/** CPU microseconds of this process since an origin. */
function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A model whose kernels cost almost nothing, so a step is mostly the loop around them. */
function tinyModel(): BenchModel {
  const rows = 512;
  const random = mulberry32(SEED);
  const features = Float32Array.from({ length: rows * 4 }, () => random());
  const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * 2));
  return {
    id: 'tiny',
    title: 'MLP 4-4-2, batch 8',
    batchSize: 8,
    model: createModel(modelConfig({ architecture: 'mlp', hidden_sizes: [4], num_labels: 2 }), { numFeatures: 4, numLabels: 2 }, SEED),
    dataset: new BlockDataset([{ name: 'features', width: 4, data: features }], labels),
    itemsPerBatch: 8,
  };
}

/** This model's gradients for one batch, keyed by weight name (the caller disposes them). */
function sampleGradients(bench: BenchModel): Record<string, tf.Tensor> {
  const { labels, ...features } = bench.dataset.batch(epochPermutation(bench.dataset.size, SEED, 0).subarray(0, bench.batchSize));
  const loss = createLoss('CrossEntropy', {});
  const weights = bench.model.trainableWeights();
  const { value, grads } = tf.variableGrads(
    () => loss(bench.model.forward(features, { training: true, seed: 1 }).logits, labels as tf.Tensor) as tf.Scalar,
    weights.map((w) => w.variable),
  );
  tf.dispose([value, labels as tf.Tensor, ...Object.values(features)]);
  const byVariable = new Map(weights.map((w) => [w.variable.name, w.name]));
  return Object.fromEntries(Object.entries(grads).map(([name, grad]) => [byVariable.get(name) ?? name, grad]));
}

/**
 * Fixed per-step costs in CPU µs, each the median over interleaved blocks: the dataset batch()
 * copy and gradient clipping on this model, and the Trainer's loop minus bare+batch+clip measured
 * on a tiny model (where that difference is not drowned by kernel time).
 */
async function fixedCosts(bench: BenchModel, options: LoopOptions, rounds: number): Promise<Record<string, number>> {
  const order = epochPermutation(bench.dataset.size, SEED, 0);
  const grads = sampleGradients(bench);
  const calls = 100;
  const perCall = (fn: () => void): number => {
    const start = cpuUs();
    for (let i = 0; i < calls; i++) fn();
    return (cpuUs() - start) / calls;
  };
  const batchUs: number[] = [];
  const clipUs: number[] = [];
  const loopUs: number[] = [];
  const tiny = tinyModel();
  const tinyOptions: LoopOptions = { ...options, warmupMs: 100, budgetMs: 300 };
  try {
    for (let r = 0; r < rounds; r++) {
      batchUs.push(perCall(() => tf.dispose(bench.dataset.batch(order.subarray((r * 7) % 16, ((r * 7) % 16) + bench.batchSize)))));
      clipUs.push(
        perCall(() => {
          const clipped = clipGradNorm(grads, 1);
          tf.dispose([...Object.values(clipped.grads), clipped.norm]);
        }),
      );
      const bare = await runBare(tiny, tinyOptions, { batchCopy: true, clip: true });
      const trainer = await runTrainer(tiny, tinyOptions);
      loopUs.push((trainer.cpuStepMs - bare.cpuStepMs) * 1000);
    }
  } finally {
    tf.dispose(Object.values(grads));
    tiny.model.dispose();
  }
  return {
    'dataset.batch() copy + dispose': median(batchUs),
    'clipGradNorm + dispose': median(clipUs),
    'rest of the Trainer loop (tiny-model difference)': median(loopUs),
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const model = (flag('--model') ?? 'mlp') as ModelId;
  const backend = (flag('--backend') ?? 'wasm') as BackendId;
  if (!MODEL_IDS.includes(model) || !BACKEND_IDS.includes(backend)) throw new Error(`--model one of ${MODEL_IDS.join(', ')}; --backend one of ${BACKEND_IDS.join(', ')}`);
  const device = await startBackend(backend);
  const bench = await buildBenchModel(model);
  const options: LoopOptions = { warmupMs: 200, budgetMs: quick ? 300 : 800, stepsPerUnit: isSynchronous(backend) ? 1 : 5 };
  const rounds = quick ? 3 : 9;
  const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const wall = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    for (const v of VARIANTS) {
      const t = await runVariant(bench, v, options);
      cpu.get(v)!.push(t.cpuStepMs);
      wall.get(v)!.push(t.stepMs);
    }
  }
  const costs = await fixedCosts(bench, options, quick ? 3 : 9);
  const repeats = quick ? 1 : 3;
  const profiles = new Map<Variant, KernelFigures>();
  for (const v of VARIANTS) profiles.set(v, await profileVariant(bench, v, options, quick ? 20 : 30, repeats));

  const base = median(cpu.get('bare')!);
  console.log(`\nTrainer overhead over the bare loop: ${bench.title}, ${device}; ${rounds} interleaved rounds, medians\n`);
  console.log(`                 | interleaved rounds                   | profiled runs (tf.profile, wall ms, median of ${repeats})`);
  console.log('variant          | CPU ms/step |  vs bare | wall ms/step | kernels/step | tensors made/step | step ms | in kernels | outside');
  console.log('-----------------|-------------|----------|--------------|--------------|-------------------|---------|------------|--------');
  for (const v of VARIANTS) {
    const c = median(cpu.get(v)!);
    const p = profiles.get(v)!;
    console.log(
      `${v.padEnd(16)} | ${c.toFixed(2).padStart(11)} | ${`${(((c - base) / base) * 100).toFixed(1)}%`.padStart(8)} | ${median(wall.get(v)!).toFixed(2).padStart(12)} | ` +
        `${p.kernelsPerStep.toFixed(1).padStart(12)} | ${p.newTensorsPerStep.toFixed(1).padStart(17)} | ${p.profiledMsPerStep.toFixed(2).padStart(7)} | ` +
        `${p.kernelMsPerStep.toFixed(2).padStart(10)} | ${(p.profiledMsPerStep - p.kernelMsPerStep).toFixed(2).padStart(7)}`,
    );
  }
  const bare = profiles.get('bare')!;
  const trainer = profiles.get('trainer')!;
  const names = new Set([...bare.byName.keys(), ...trainer.byName.keys()]);
  const diffs = [...names]
    .map((name) => {
      const b = bare.byName.get(name) ?? { calls: 0, ms: 0 };
      const t = trainer.byName.get(name) ?? { calls: 0, ms: 0 };
      return { name, calls: t.calls - b.calls, ms: t.ms - b.ms };
    })
    .filter((d) => Math.abs(d.calls) >= 0.5 || Math.abs(d.ms) >= 0.05)
    .sort((a, b) => b.ms - a.ms);
  console.log('\nkernels the Trainer runs beyond the bare loop, per step (profiled; kernel times are wall time, with the profiler\'s overhead):');
  for (const d of diffs) console.log(`  ${d.name.padEnd(22)} ${d.calls >= 0 ? '+' : ''}${d.calls.toFixed(1).padStart(6)} calls ${d.ms >= 0 ? '+' : ''}${d.ms.toFixed(3).padStart(8)} ms`);
  const top = [...bare.byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10);
  console.log(`\ntop kernels of the bare step (profiled wall ms, ${bare.kernelMsPerStep.toFixed(2)} ms in kernels per step):`);
  for (const [name, e] of top) {
    console.log(`  ${name.padEnd(22)} ${e.calls.toFixed(1).padStart(6)} calls ${e.ms.toFixed(3).padStart(8)} ms ${((100 * e.ms) / bare.kernelMsPerStep).toFixed(1).padStart(5)}%`);
  }
  const bareStepUs = base * 1000;
  console.log(`\nfixed per-step costs (CPU µs, median of interleaved blocks), as a share of the bare step (${base.toFixed(2)} ms):`);
  let total = 0;
  for (const [name, us] of Object.entries(costs)) {
    total += us;
    console.log(`  ${name.padEnd(48)} ${us.toFixed(0).padStart(6)} µs  ${((100 * us) / bareStepUs).toFixed(1).padStart(5)}%`);
  }
  console.log(`  ${'sum: the Trainer over the bare loop, predicted'.padEnd(48)} ${total.toFixed(0).padStart(6)} µs  ${((100 * total) / bareStepUs).toFixed(1).padStart(5)}%`);
  console.log(`\ntensors alive at the end: ${tf.memory().numTensors} (the model has ${bench.model.weights().length} weights)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
