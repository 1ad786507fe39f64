/**
 * Thread count for the wasm backend. `threads: N` runs XNNPACK on N threads (capped at the logical
 * cores and emscripten's pool of 8). `auto` follows AUTO_THREADS_RULE, a table by core count set
 * from measurement (the GPU bench's wasm-threads figures, bench/gpu/threads.ts).
 */
import { MAX_WASM_THREADS } from './wasm-threads';

export interface ThreadChoice {
  threads: number;
  warning?: string;
}

/** One row of the `threads: auto` rule: machines with at least `minCores` logical cores run `threads`. */
export interface AutoThreadsEntry {
  minCores: number;
  threads: number;
}

/**
 * What `threads: auto` means, by logical core count. Measured so far on 2 shared cores only, where
 * 2 threads made matmul faster but whole training steps slower (bench/README-kernels.md), so every
 * core count runs 1. A run of bench/gpu/run.py on a many-core machine prints the entry to add here
 * (`{ minCores: 16, threads: N }`) from its training examples/s by thread count.
 */
export const AUTO_THREADS_RULE: readonly AutoThreadsEntry[] = [{ minCores: 1, threads: 1 }];

/** The rule's thread count for `cores`: the entry with the largest minCores not above it (1 when none). */
export function autoThreads(cores: number, rule: readonly AutoThreadsEntry[] = AUTO_THREADS_RULE): number {
  let chosen: AutoThreadsEntry | undefined;
  for (const entry of rule) if (entry.minCores <= cores && (!chosen || entry.minCores > chosen.minCores)) chosen = entry;
  return Math.max(1, Math.min(chosen?.threads ?? 1, cores, MAX_WASM_THREADS));
}

export function resolveThreads(requested: 'auto' | number | undefined, cores: number, rule: readonly AutoThreadsEntry[] = AUTO_THREADS_RULE): ThreadChoice {
  if (requested === undefined || requested === 'auto') return { threads: autoThreads(cores, rule) };
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`threads must be 'auto' or a positive integer, got ${String(requested)}.`);
  }
  const cap = Math.max(1, Math.min(cores, MAX_WASM_THREADS));
  if (requested <= cap) return { threads: requested };
  return {
    threads: cap,
    warning: `threads: ${requested} lowered to ${cap} (${cores < MAX_WASM_THREADS ? `this machine has ${cores} logical cores` : `the wasm backend's thread pool holds ${MAX_WASM_THREADS}`}).`,
  };
}
