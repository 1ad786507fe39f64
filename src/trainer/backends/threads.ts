/**
 * Thread count for the wasm backend. In Node the threaded wasm binary needs its Blob-URL workers
 * rewritten to temp files; measured here, that made matmul faster but whole training steps slower,
 * and the process stopped exiting on its own. So Node runs the single-threaded SIMD binary.
 */
export interface ThreadChoice {
  threads: number;
  warning?: string;
}

export function resolveThreads(requested: 'auto' | number | undefined): ThreadChoice {
  if (requested === undefined || requested === 'auto' || requested === 1) return { threads: 1 };
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`threads must be 'auto' or a positive integer, got ${String(requested)}.`);
  }
  return {
    threads: 1,
    warning:
      `threads: ${requested} ignored; the wasm backend runs 1 thread in Node ` +
      '(threaded wasm made training steps slower here and kept the process from exiting). ' +
      'For multi-core speed install @tensorflow/tfjs-node and use backend: tensorflow.',
  };
}
