/** The memory limit of the backend this process runs, and of the ones it could switch to. */
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNEL_NAMES } from '../backends/fused';
import type { MemoryLimit } from './estimate';
import { alternativeLimits, machineLimit, wasmLimit, webGpuLimit, type WebGpuLimits } from './limits';

/** The limit of the tfjs backend now running (WebGPU's device reports its buffer limits). */
export function currentLimit(backendName: string): MemoryLimit {
  if (backendName === 'wasm') return wasmLimit(FUSED_KERNEL_NAMES.every((name) => tf.getKernel(name, 'wasm') !== undefined));
  if (backendName === 'webgpu') {
    const limits = (tf.backend() as unknown as { device?: { limits?: WebGpuLimits } }).device?.limits ?? {};
    return webGpuLimit({ maxBufferSize: limits.maxBufferSize, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize }, totalmem());
  }
  return machineLimit(backendName, totalmem());
}

/** cpu, and the native backend when installed, against this machine's memory. */
export function runAlternatives(nativeInstalled: boolean): MemoryLimit[] {
  return alternativeLimits(nativeInstalled, totalmem());
}
