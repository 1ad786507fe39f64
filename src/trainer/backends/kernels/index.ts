/**
 * Faster or missing kernels for tfjs backends, registered once per process (tfjs's kernel
 * registry is global). initBackend calls registerFastKernels after the backend is set.
 */
import * as tf from '@tensorflow/tfjs';
import { makeCpuGather, makeWasmGather } from './gather';
import { removeKernel, replaceKernel } from './registry';
import { cpuSegmentSumConfig, wasmSegmentSumConfig } from './segment-sum';
import { hasFusedKernels, type BlasAddon } from '../blas-addon';
import { makeNativeFusedKernels } from './native-fused';
import { makeNativeBatchMatMul, makeNativeFusedMatMul, makeNativeUnary } from './native-matmul';
import { makeWasmBatchMatMul } from './wasm-batch-matmul';
import { makeWasmIdentity, makeWasmPow } from './wasm-elementwise';
import { makeWasmSum } from './wasm-sum';
import { makeWasmTranspose } from './wasm-transpose';
import { makeWebGpuAddN } from './webgpu-add-n';
import { makeWebGpuSoftmax } from './webgpu-softmax';
import { WEBGPU_FUSED_KERNELS, webgpuFusedKernel } from './webgpu-fused';
import { FUSED_KERNEL_NAMES } from '../fused';

export interface FastKernelOptions {
  /** The native addon: wasm's matmuls then run through its BLAS (see ../blas-addon.ts). */
  blas?: BlasAddon;
}

/**
 * Registers our kernels for `backendName` ('wasm', 'webgpu' and 'cpu' have some; others none).
 * Returns the names of kernels registered by this call: empty when already done.
 */
export function registerFastKernels(backendName: string, options: FastKernelOptions = {}): string[] {
  const registered: string[] = [];
  const replace = (kernelName: string, make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig, variant?: string): void => {
    if (replaceKernel(kernelName, backendName, make, variant)) registered.push(kernelName);
  };
  if (backendName === 'wasm') {
    const stockOf = (name: string) => (stock: tf.KernelConfig | undefined): tf.KernelConfig => {
      if (!stock) throw new Error(`The wasm backend has no ${name} kernel: is @tensorflow/tfjs-backend-wasm 4.x imported?`);
      return stock;
    };
    // Sum's blocked transposes call the stock kernel directly.
    const stockTranspose = tf.getKernel(tf.Transpose, 'wasm');
    replace(tf.UnsortedSegmentSum, () => wasmSegmentSumConfig);
    // Before BatchMatMul, which transposes its operands with whatever Transpose is registered.
    replace(tf.Transpose, (stock) => makeWasmTranspose(stockOf(tf.Transpose)(stock)));
    const blas = options.blas;
    if (blas) {
      replace(tf.BatchMatMul, (stock) => makeNativeBatchMatMul(blas, stockOf(tf.BatchMatMul)(stock)), 'native');
      replace(tf._FusedMatMul, (stock) => makeNativeFusedMatMul(blas, stockOf(tf._FusedMatMul)(stock)), 'native');
      for (const name of [tf.Exp, tf.Erf] as const) replace(name, (stock) => makeNativeUnary(blas, name, stockOf(name)(stock)), 'native');
      // The fused transformer ops (../fused); without them those ops run their composites.
      const fused = hasFusedKernels(blas) ? makeNativeFusedKernels(blas) : [];
      for (const config of fused) replace(config.kernelName, () => config, 'native');
    } else {
      replace(tf.BatchMatMul, (stock) => {
        const transpose = tf.getKernel(tf.Transpose, 'wasm');
        if (!stock || !transpose) {
          throw new Error('The wasm backend has no BatchMatMul or Transpose kernel: is @tensorflow/tfjs-backend-wasm 4.x imported?');
        }
        return makeWasmBatchMatMul(stock, transpose);
      });
      // The stock fused kernel back (a no-op unless a native run came first in this process).
      for (const name of [tf._FusedMatMul, tf.Exp, tf.Erf]) replace(name, (stock) => ({ ...stockOf(name)(stock) }), 'stock');
      for (const name of FUSED_KERNEL_NAMES) if (removeKernel(name, backendName)) registered.push(name);
    }
    replace(tf.GatherV2, makeWasmGather);
    replace(tf.Pow, (stock) => makeWasmPow(stockOf(tf.Pow)(stock)));
    replace(tf.Identity, makeWasmIdentity);
    replace(tf.Sum, (stock) => makeWasmSum(stockOf(tf.Sum)(stock), stockOf(tf.Transpose)(stockTranspose)));
  } else if (backendName === 'webgpu') {
    replace(tf.AddN, (stock) => {
      if (!stock) throw new Error('The webgpu backend has no AddN kernel: is @tensorflow/tfjs-backend-webgpu 4.x loaded?');
      return makeWebGpuAddN(stock);
    });
    replace(tf.Softmax, () => {
      const reshape = tf.getKernel(tf.Reshape, 'webgpu');
      if (!reshape) throw new Error('The webgpu backend has no Reshape kernel: is @tensorflow/tfjs-backend-webgpu 4.x loaded?');
      return makeWebGpuSoftmax(reshape);
    });
    // The fused transformer ops (src/trainer/backends/fused) in WGSL.
    for (const name of Object.keys(WEBGPU_FUSED_KERNELS)) replace(name, () => webgpuFusedKernel(name));
  } else if (backendName === 'cpu') {
    replace(tf.UnsortedSegmentSum, () => cpuSegmentSumConfig);
    replace(tf.GatherV2, makeCpuGather);
  }
  return registered;
}

export { segmentSumInto } from './segment-sum';
