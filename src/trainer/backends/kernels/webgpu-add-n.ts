/**
 * AddN for the webgpu backend that respects the device's storage-buffer limit.
 *
 * tfjs-backend-webgpu 4.22 binds every input of AddN as a storage buffer in one shader. WebGPU
 * allows 8 per stage unless more are requested (tfjs does not), so adding more than 7 tensors fails
 * validation, and the output silently holds garbage. tf.addN over every weight's squared norm
 * (gradient clipping) does that for any model with more than 7 weights. Here larger calls are
 * summed in chunks that fit, as the backend's own Concat kernel already does.
 */
import * as tf from '@tensorflow/tfjs';
import { markFast } from './registry';

/** The part of WebGPUBackend used here (its package is optional, so it is not imported). */
interface WebGpuBackendLike {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: tf.DataId): boolean;
}

/** WebGPU's default maxStorageBuffersPerShaderStage, the limit a device gets unless it asks for more. */
const DEFAULT_STORAGE_BUFFERS = 8;

/** Inputs one AddN shader may bind: the stage's storage buffers less one for the output. */
export function maxAddNInputs(backend: WebGpuBackendLike): number {
  const limit = backend.device?.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS;
  return Math.max(2, limit - 1);
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function makeWebGpuAddN(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as unknown as WebGpuBackendLike;
    // AddN's inputs arrive as an array of tensors, not a named map.
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const max = maxAddNInputs(backend);
    if (inputs.length <= max) return stock.kernelFunc(args);
    const partials = chunks(inputs, max).map(
      (group) => stock.kernelFunc({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo,
    );
    try {
      return kernelFunc({ ...args, inputs: partials as unknown as tf.NamedTensorInfoMap });
    } finally {
      for (const p of partials) backend.disposeData(p.dataId);
    }
  };
  return markFast({ kernelName: tf.AddN, backendName: 'webgpu', kernelFunc, setupFunc: stock.setupFunc });
}
