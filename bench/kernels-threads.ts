/**
 * wasm with 1 vs N threads, end to end: matmul GFLOP/s and training examples/s of the reference
 * models (bench/kernels-models.ts). Each measurement runs in a fresh child process (a process
 * starts the wasm backend once, with one thread count); rounds interleave thread counts so load
 * from other jobs spreads over both; medians over rounds are printed. Asserts nothing.
 *
 * Run: npx tsx bench/kernels-threads.ts [--rounds N] [--seconds S] [--threads 1,2]
 */
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/trainer/backends';
import { MODELS, examplesPerSecond, median } from './kernels-models';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function matmulGflops(seconds: number): number {
  return tf.tidy(() => {
    const a = tf.randomNormal([1024, 1024]);
    const run = (): number => {
      const start = performance.now();
      tf.matMul(a, a, false, true).dataSync();
      return performance.now() - start;
    };
    run();
    const times: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    do times.push(run()); while (performance.now() < deadline && times.length < 50);
    return (2 * 1024 ** 3) / (median(times) / 1000) / 1e9;
  });
}

/** Child: one workload on one thread count; prints {value, threads}. */
async function child(workload: string, threads: number, seconds: number): Promise<void> {
  const info = await initBackend({ backend: 'wasm', threads });
  const value = workload === 'matmul' ? matmulGflops(seconds) : examplesPerSecond(MODELS[workload](), seconds);
  process.stdout.write(`${JSON.stringify({ value, threads: info.threads })}\n`);
}

function measure(workload: string, threads: number, seconds: number): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', workload, String(threads), String(seconds)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const result = JSON.parse(out.trim().split('\n').pop()!) as { value: number; threads: number };
  if (result.threads !== threads) throw new Error(`asked for ${threads} threads, the backend runs ${result.threads}`);
  return result.value;
}

function parent(): void {
  const rounds = Number(option('--rounds', '3'));
  const seconds = Number(option('--seconds', '4'));
  const counts = option('--threads', '1,2').split(',').map(Number);
  const workloads = ['matmul', ...Object.keys(MODELS)];
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const workload of workloads) {
      // Alternate which thread count goes first, so a burst of load does not favour one.
      const order = round % 2 === 0 ? counts : [...counts].reverse();
      for (const threads of order) {
        const key = `${workload}|${threads}`;
        results.set(key, [...(results.get(key) ?? []), measure(workload, threads, seconds)]);
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  console.log(`\nwasm SIMD, threads ${counts.join(' vs ')}: medians of ${rounds} interleaved rounds (${seconds} s each), node ${process.version}\n`);
  console.log(`${'workload'.padEnd(22)} | ${counts.map((c) => `${c} thread${c === 1 ? '' : 's'}`.padStart(10)).join(' | ')} | ratio | rounds`);
  for (const workload of workloads) {
    const m = counts.map((c) => median(results.get(`${workload}|${c}`)!));
    const all = counts.map((c) => results.get(`${workload}|${c}`)!.map((v) => v.toFixed(0)).join('/'));
    console.log(`${(workload === 'matmul' ? 'matmul 1024² GFLOP/s' : `${workload} ex/s`).padEnd(22)} | ${m.map((v) => v.toFixed(1).padStart(10)).join(' | ')} | ${(m[m.length - 1] / m[0]).toFixed(2).padStart(5)} | ${all.join('  ')}`);
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), Number(process.argv[5])).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  parent();
}
