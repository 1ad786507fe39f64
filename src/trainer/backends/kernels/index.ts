/**
 * Faster or missing kernels for tfjs backends, registered once per process (tfjs's kernel
 * registry is global). initBackend calls registerFastKernels after the backend is set.
 */
import * as tf from '@tensorflow/tfjs';
import { makeCpuGather, makeWasmGather } from './gather';
import { replaceKernel } from './registry';
import { cpuSegmentSumConfig, wasmSegmentSumConfig } from './segment-sum';
import { makeWasmBatchMatMul } from './wasm-batch-matmul';
import { makeWebGpuAddN } from './webgpu-add-n';

/**
 * Registers our kernels for `backendName` ('wasm', 'webgpu' and 'cpu' have some; others none).
 * Returns the names of kernels registered by this call: empty when already done.
 */
export function registerFastKernels(backendName: string): string[] {
  const registered: string[] = [];
  const replace = (kernelName: string, make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig): void => {
    if (replaceKernel(kernelName, backendName, make)) registered.push(kernelName);
  };
  if (backendName === 'wasm') {
    replace(tf.UnsortedSegmentSum, () => wasmSegmentSumConfig);
    replace(tf.BatchMatMul, (stock) => {
      const transpose = tf.getKernel(tf.Transpose, 'wasm');
      if (!stock || !transpose) {
        throw new Error('The wasm backend has no BatchMatMul or Transpose kernel: is @tensorflow/tfjs-backend-wasm 4.x imported?');
      }
      return makeWasmBatchMatMul(stock, transpose);
    });
    replace(tf.GatherV2, makeWasmGather);
  } else if (backendName === 'webgpu') {
    replace(tf.AddN, (stock) => {
      if (!stock) throw new Error('The webgpu backend has no AddN kernel: is @tensorflow/tfjs-backend-webgpu 4.x loaded?');
      return makeWebGpuAddN(stock);
    });
  } else if (backendName === 'cpu') {
    replace(tf.UnsortedSegmentSum, () => cpuSegmentSumConfig);
    replace(tf.GatherV2, makeCpuGather);
  }
  return registered;
}

export { segmentSumInto } from './segment-sum';
