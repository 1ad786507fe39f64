/**
 * Sum over leading axes on wasm (every bias and LayerNorm gradient: [rows, cols] summed over rows)
 * as a blocked transpose to [cols, rows] and the stock sum over the innermost axis. The stock kernel
 * transposes the reduced axes innermost with its cache-missing transpose: 4.5 ms of CPU for
 * [2048, 256] summed over rows, 1.1 ms here. Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';
import { blockingFor, transposeMatrices } from './wasm-transpose';

/** Rows and columns when `axes` are exactly the leading k axes, 0 < k < rank; else undefined. */
export function leadingAxesSplit(shape: number[], axes: number[]): { rows: number; cols: number } | undefined {
  const sorted = [...axes].sort((a, b) => a - b);
  const k = sorted.length;
  if (k === 0 || k >= shape.length || sorted.some((axis, i) => axis !== i)) return undefined;
  return { rows: tf.util.sizeFromShape(shape.slice(0, k)), cols: tf.util.sizeFromShape(shape.slice(k)) };
}

export function makeWasmSum(stock: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as tf.TensorInfo;
    const axes = tf.util.parseAxisParam(args.attrs?.axis as number | number[], x.shape);
    const split = x.dtype === 'float32' ? leadingAxesSplit(x.shape, axes) : undefined;
    if (!split || !blockingFor(split.rows, split.cols)) return stock.kernelFunc(args);
    const transposed = transposeMatrices(backend, transpose, x, 1, split.rows, split.cols);
    try {
      const summed = stock.kernelFunc({
        inputs: { x: { ...transposed, shape: [split.cols, split.rows] } },
        backend,
        attrs: { axis: [1], keepDims: false },
      }) as tf.TensorInfo;
      const kept = x.shape.slice(axes.length);
      return { dataId: summed.dataId, shape: args.attrs?.keepDims ? [...axes.map(() => 1), ...kept] : kept, dtype: 'float32' };
    } finally {
      backend.disposeData(transposed.dataId);
    }
  };
  return markFast({ kernelName: tf.Sum, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc });
}
