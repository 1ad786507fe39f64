/**
 * Matmul throughput on the cpu backend, the stock wasm backend and wasm with our kernels.
 * Run: npx tsx bench/kernels.ts [--quick]. Prints a table; asserts nothing (machines are noisy).
 */
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels } from '../src/trainer/backends';
import { initWasm } from '../src/trainer/backends/wasm';

interface Case {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const CASES: Case[] = [
  { name: '1024² · 1024²', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: false },
  { name: '1024² · (1024²)ᵀ', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: true },
  { name: '(1024²)ᵀ · 1024²', a: [1024, 1024], b: [1024, 1024], transposeA: true, transposeB: false },
  { name: 'attention QKᵀ [32,64,64]·[32,64,64]ᵀ', a: [32, 64, 64], b: [32, 64, 64], transposeA: false, transposeB: true },
  { name: 'batched [8,4,128,64]·[8,4,128,64]ᵀ', a: [8, 4, 128, 64], b: [8, 4, 128, 64], transposeA: false, transposeB: true },
  { name: 'dense fold [32,64,64]·[64,256]', a: [32, 64, 64], b: [64, 256], transposeA: false, transposeB: false },
];

function flops(c: Case): number {
  const out = tf.matMul(tf.zeros(c.a), tf.zeros(c.b), c.transposeA, c.transposeB);
  const k = c.transposeA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
  const f = 2 * out.size * k;
  out.dispose();
  return f;
}

/** Median GFLOP/s over timed runs after a warm-up, spending about `budgetMs` per case. */
function measure(c: Case, budgetMs: number): number {
  const work = flops(c);
  return tf.tidy(() => {
    const a = tf.randomNormal(c.a);
    const b = tf.randomNormal(c.b);
    const run = (): number => {
      const start = performance.now();
      tf.matMul(a, b, c.transposeA, c.transposeB).dataSync();
      return performance.now() - start;
    };
    run(); // warm-up: XNNPACK packs weights, the heap grows
    const times: number[] = [];
    const deadline = performance.now() + budgetMs;
    do times.push(run()); while (performance.now() < deadline && times.length < 50);
    times.sort((x, y) => x - y);
    return work / (times[Math.floor(times.length / 2)] / 1000) / 1e9;
  });
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const budget = quick ? 200 : 1000;
  const columns: Record<string, number[]> = {};

  await tf.setBackend('cpu');
  // Pure JS runs 1024² at about 0.5 GFLOP/s: one timed call each is enough.
  columns.cpu = CASES.map((c) => measure(c, 0));
  await initWasm(1, () => {});
  columns['wasm stock'] = CASES.map((c) => measure(c, budget));
  registerFastKernels('wasm');
  columns['wasm patched'] = CASES.map((c) => measure(c, budget));

  const names = Object.keys(columns);
  const width = Math.max(...CASES.map((c) => c.name.length));
  console.log(`\nmatmul GFLOP/s (median), tfjs ${tf.version_core}, node ${process.version}\n`);
  console.log(`${'case'.padEnd(width)} | ${names.map((n) => n.padStart(12)).join(' | ')} | speed-up`);
  console.log(`${'-'.repeat(width)}-|-${names.map(() => '-'.repeat(12)).join('-|-')}-|---------`);
  CASES.forEach((c, i) => {
    const row = names.map((n) => columns[n][i].toFixed(2).padStart(12));
    const speedup = columns['wasm patched'][i] / columns['wasm stock'][i];
    console.log(`${c.name.padEnd(width)} | ${row.join(' | ')} | ${speedup.toFixed(1)}×`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
