/**
 * 1024² matmul GFLOP/s on the current backend, plain and with B transposed (the backward pass's
 * shape, which stock wasm runs on a slow path). bench/kernels.ts measures more shapes on the
 * CPU backends; this one also runs on asynchronous backends (webgpu), reading results with data().
 */
import * as tf from '@tensorflow/tfjs';
import { median } from './trainer-clock';

const N = 1024;

export interface MatmulFigures {
  nn: number;
  nt: number;
}

async function gflops(transposeB: boolean, budgetMs: number): Promise<number> {
  const a = tf.randomNormal([N, N]);
  const b = tf.randomNormal([N, N]);
  const once = async (): Promise<number> => {
    const start = performance.now();
    const c = tf.matMul(a, b, false, transposeB);
    await c.data();
    c.dispose();
    return performance.now() - start;
  };
  try {
    await once(); // warm-up: XNNPACK packs weights, shaders compile, the heap grows
    const times: number[] = [];
    const deadline = performance.now() + budgetMs;
    do times.push(await once());
    while (performance.now() < deadline && times.length < 50);
    return (2 * N * N * N) / (median(times) / 1000) / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

export async function measureMatmul(budgetMs: number): Promise<MatmulFigures> {
  return { nn: await gflops(false, budgetMs), nt: await gflops(true, budgetMs) };
}
