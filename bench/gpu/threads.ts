/**
 * The threaded-SIMD wasm build (`threads: N`, pure wasm: FTS_NATIVE=0) by thread count, on this
 * machine's cores: 1024² matmul GFLOP/s and end-to-end training examples/s of the built-in
 * transformer encoder (bench/kernels-models.ts). Each count runs in a fresh child (a process starts
 * the wasm backend once). The result says which count trained fastest at this core count: the
 * figure `threads: auto`'s rule (AUTO_THREADS_RULE in src/trainer/backends/threads.ts) is set from.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/trainer/backends';
import { MAX_WASM_THREADS } from '../../src/trainer/backends/wasm-threads';
import { MODELS, examplesPerSecond, median } from '../kernels-models';

export const THREAD_WORKLOADS = ['matmul', 'transformer-encoder'] as const;

export interface ThreadsResult {
  cores: number;
  counts: number[];
  seconds: number;
  /** workload → thread count → figure (matmul GFLOP/s, training examples/s). */
  figures: Record<string, Record<string, number>>;
  /** The thread count with the most training examples/s. */
  bestTrainingThreads: number;
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
    do times.push(run());
    while (performance.now() < deadline && times.length < 50);
    return (2 * 1024 ** 3) / (median(times) / 1000) / 1e9;
  });
}

/** Child: one workload at one thread count; prints {value, threads}. */
export async function threadsChild(workload: string, threads: number, seconds: number): Promise<void> {
  process.env.FTS_NATIVE = '0';
  const info = await initBackend({ backend: 'wasm', threads });
  const value = workload === 'matmul' ? matmulGflops(seconds) : examplesPerSecond(MODELS[workload](), seconds);
  process.stdout.write(`${JSON.stringify({ value, threads: info.threads })}\n`);
}

/** 1, 2, 4, 8 … up to the cores and the wasm thread pool. */
export function defaultCounts(cores: number): number[] {
  const cap = Math.max(1, Math.min(cores, MAX_WASM_THREADS));
  const counts: number[] = [];
  for (let n = 1; n <= cap; n *= 2) counts.push(n);
  if (counts[counts.length - 1] !== cap) counts.push(cap);
  return counts;
}

/** Runs each workload × count in a child of this same script (bundle or tsx), `seconds` each. */
export function measureThreads(counts: number[], seconds: number): ThreadsResult {
  const figures: Record<string, Record<string, number>> = {};
  for (const workload of THREAD_WORKLOADS) {
    figures[workload] = {};
    for (const threads of counts) {
      const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1], 'threads-child', workload, String(threads), String(seconds)], {
        encoding: 'utf8',
        env: { ...process.env, FTS_NATIVE: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const result = JSON.parse(out.trim().split('\n').pop()!) as { value: number; threads: number };
      if (result.threads !== threads) throw new Error(`asked the wasm backend for ${threads} threads, it runs ${result.threads}`);
      figures[workload][String(threads)] = result.value;
    }
  }
  const training = figures['transformer-encoder'];
  const bestTrainingThreads = counts.reduce((best, n) => (training[String(n)] > training[String(best)] ? n : best), counts[0]);
  return { cores: availableParallelism(), counts, seconds, figures, bestTrainingThreads };
}
