/**
 * The Node side of the GPU bench, one entry (bundled by scripts/package-gpu-bench.ts into the
 * package's app/dist/gpu-bench.js, next to the trainer bundle's wasm/ binaries):
 *   ours <shapes.json> <scale> <model> <backend> <warmup> <steps>   one model trained by our Trainer
 *   threads <seconds> [counts]                                      wasm threaded-SIMD by thread count
 * Each prints its result as the last stdout line, prefixed `RESULT `, for bench/gpu/run.py.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BackendName } from '../../src/trainer/backends';
import { runOurs, type ShapeSpec } from './ours';
import { defaultCounts, measureThreads, threadsChild } from './threads';

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'ours': {
      const [shapesFile, scale, model, backend, warmup, steps] = rest;
      const shapes = JSON.parse(readFileSync(shapesFile, 'utf8')) as Record<string, Record<string, ShapeSpec>>;
      const shape = shapes[scale]?.[model];
      if (!shape) throw new Error(`${shapesFile}: no shape ${scale}.${model}`);
      // The clock starts after the last warm-up step's read, so both counts must be at least 1.
      if (!(Number(warmup) >= 1 && Number(steps) >= 1)) throw new Error(`warm-up and timed steps must be at least 1, got ${warmup} and ${steps}`);
      const result = await runOurs({ shape, backend: backend as BackendName, warmup: Number(warmup), steps: Number(steps) });
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      return;
    }
    case 'threads': {
      const seconds = Number(rest[0] ?? '3');
      const counts = rest[1] ? rest[1].split(',').map(Number) : defaultCounts(availableParallelism());
      process.stdout.write(`RESULT ${JSON.stringify(measureThreads(counts, seconds))}\n`);
      return;
    }
    case 'threads-child':
      return threadsChild(rest[0], Number(rest[1]), Number(rest[2]));
    default:
      throw new Error(`usage: gpu-bench.js ours <shapes.json> <scale> <model> <backend> <warmup> <steps> | threads <seconds> [1,2,4]`);
  }
}

main(process.argv.slice(2)).then(
  // Dawn's device and the wasm thread pool can keep the event loop alive after the work is done.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
