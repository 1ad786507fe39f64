/**
 * Large matrix transposes on wasm in two passes of the stock kernel. The stock kernel walks the
 * output in order and reads the input with a stride, which misses the cache once a matrix outgrows
 * it: [2048, 256] took 4.1 ms of CPU. Cut into blocks of b rows, the same transpose is a swap of the
 * last two axes of [rows/b, b, cols] followed by a row permutation, both in cache: 0.5 ms.
 * Our BatchMatMul transposes every backward-pass operand, and Sum over leading axes transposes too.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';

/** Below this many values per matrix the stock kernel stays in cache. */
export const MIN_BLOCKED_TRANSPOSE = 1 << 14;

const BLOCKS = [64, 32, 16];

/**
 * How to cut [rows, cols]: along rows when a block size divides rows, else along cols, else not
 * at all (undefined).
 */
export function blockingFor(rows: number, cols: number): { along: 'rows' | 'cols'; block: number } | undefined {
  if (rows * cols < MIN_BLOCKED_TRANSPOSE) return undefined;
  const rowBlock = BLOCKS.find((b) => rows % b === 0 && rows > b);
  if (rowBlock) return { along: 'rows', block: rowBlock };
  const colBlock = BLOCKS.find((b) => cols % b === 0 && cols > b);
  return colBlock ? { along: 'cols', block: colBlock } : undefined;
}

/** The batch, rows and cols of a transpose that swaps the last two axes only, else undefined. */
export function matrixSwap(shape: number[], perm: number[]): { batch: number; rows: number; cols: number } | undefined {
  const rank = shape.length;
  if (rank < 2 || perm.length !== rank || perm[rank - 2] !== rank - 1 || perm[rank - 1] !== rank - 2) return undefined;
  if (!perm.slice(0, rank - 2).every((p, i) => p === i)) return undefined;
  return { batch: tf.util.sizeFromShape(shape.slice(0, -2)), rows: shape[rank - 2], cols: shape[rank - 1] };
}

/**
 * x as `batch` matrices [rows, cols], transposed to [batch, cols, rows] (returned with that shape)
 * by the stock kernel, blocked when that helps.
 */
export function transposeMatrices(backend: BackendWasm, stock: tf.KernelConfig, x: tf.TensorInfo, batch: number, rows: number, cols: number): tf.TensorInfo {
  const run = (input: tf.TensorInfo, shape: number[], perm: number[]): tf.TensorInfo =>
    stock.kernelFunc({ inputs: { x: { dataId: input.dataId, shape, dtype: input.dtype } }, backend, attrs: { perm } }) as tf.TensorInfo;
  const blocking = blockingFor(rows, cols);
  let first: tf.TensorInfo;
  let second: tf.TensorInfo;
  if (!blocking) {
    second = run(x, [batch, rows, cols], [0, 2, 1]);
  } else if (blocking.along === 'rows') {
    const b = blocking.block;
    first = run(x, [batch, rows / b, b, cols], [0, 1, 3, 2]); // [batch, rows/b, cols, b]
    second = run(first, first.shape, [0, 2, 1, 3]); // [batch, cols, rows/b, b]
    backend.disposeData(first.dataId);
  } else {
    const b = blocking.block;
    first = run(x, [batch, rows, cols / b, b], [0, 2, 1, 3]); // [batch, cols/b, rows, b]
    second = run(first, first.shape, [0, 1, 3, 2]); // [batch, cols/b, b, rows]
    backend.disposeData(first.dataId);
  }
  return { dataId: second.dataId, shape: [batch, cols, rows], dtype: x.dtype };
}

export function makeWasmTranspose(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as tf.TensorInfo;
    const perm = (args.attrs?.perm as number[] | undefined) ?? [];
    const swap = x.dtype === 'string' ? undefined : matrixSwap(x.shape, perm);
    if (!swap || !blockingFor(swap.rows, swap.cols)) return stock.kernelFunc(args);
    const out = transposeMatrices(backend, stock, x, swap.batch, swap.rows, swap.cols);
    return { ...out, shape: perm.map((p) => x.shape[p]) };
  };
  return markFast({ kernelName: tf.Transpose, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc });
}
