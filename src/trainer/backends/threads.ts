/**
 * Thread count for the wasm backend. `threads: N` runs XNNPACK on N threads (capped at the logical
 * cores and emscripten's pool of 8). `auto` runs 1: measured end to end on a 2-core machine,
 * 2 threads made matmul faster but whole training steps no faster (bench/kernels-threads.ts).
 */
import { MAX_WASM_THREADS } from './wasm-threads';

export interface ThreadChoice {
  threads: number;
  warning?: string;
}

/** What `threads: auto` means; see bench/README-kernels.md for the measurements behind it. */
export const AUTO_THREADS = 1;

export function resolveThreads(requested: 'auto' | number | undefined, cores: number): ThreadChoice {
  if (requested === undefined || requested === 'auto') return { threads: AUTO_THREADS };
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
