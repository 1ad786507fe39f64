/**
 * WebGPU device limits: which to request from the adapter, and the check that a tensor fits before
 * its buffer is made. Past a limit Dawn reports a validation error on its own thread and the tensor
 * silently holds nothing, so the size is checked here first, with the shape and what to change.
 */
import type { GpuLimits } from '../../protocol/events';
import { formatLimit } from './webgpu-adapters';

/**
 * Requested at the adapter's values: a device otherwise gets WebGPU's defaults (128 MiB bindings,
 * 256 MiB buffers, 16 KiB workgroup storage, 8 storage buffers per stage), far below a GPU's own.
 */
export const REQUESTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

export type LimitName = (typeof REQUESTED_LIMITS)[number];

/** The adapter's value of each requested limit (those it reports). */
export function requiredLimits(adapterLimits: Partial<Record<LimitName, number>>): Partial<Record<LimitName, number>> {
  const out: Partial<Record<LimitName, number>> = {};
  for (const name of REQUESTED_LIMITS) {
    const value = adapterLimits[name];
    if (typeof value === 'number') out[name] = value;
  }
  return out;
}

/** The three limits that decide what fits, from a device's or adapter's limits object. */
export function gpuLimits(limits: Partial<Record<LimitName, number>>): GpuLimits {
  return {
    maxBufferSize: limits.maxBufferSize ?? 268435456,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize ?? 134217728,
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize ?? 16384,
  };
}

/** Bytes tfjs-backend-webgpu gives one element (bool and int32 are stored as 32-bit words). */
function bytesPerElement(dtype: string): number {
  return dtype === 'complex64' ? 8 : 4;
}

/**
 * Undefined when a tensor of this shape fits one buffer binding on the device; otherwise the error
 * message: the shape, its size, the limit and the adapter, and what to change.
 */
export function tensorTooLarge(shape: readonly number[], dtype: string, limits: GpuLimits, adapter: string): string | undefined {
  const bytes = shape.reduce((n, d) => n * d, 1) * bytesPerElement(dtype);
  const [limitName, limit] =
    limits.maxStorageBufferBindingSize <= limits.maxBufferSize
      ? (['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize] as const)
      : (['maxBufferSize', limits.maxBufferSize] as const);
  if (bytes <= limit) return undefined;
  return (
    `backend webgpu: a ${dtype} tensor of shape [${shape.join(', ')}] needs ${formatLimit(bytes)} (${bytes} bytes), ` +
    `more than ${adapter} allows in one buffer (${limitName} ${formatLimit(limit)}). ` +
    'Lower per_device_train_batch_size (raise gradient_accumulation_steps to keep the effective batch) or max_length, ' +
    'or use backend: wasm or cpu, which hold tensors in machine memory.'
  );
}

/** The part of tfjs's WebGPUBackend the check wraps (the package is optional, so it is not imported). */
export interface UploadingBackend {
  tensorMap: { get(dataId: object): { shape: number[]; dtype: string; resource?: unknown } | undefined };
  uploadToGPU(dataId: object): void;
}

/**
 * Checks every tensor's size before tfjs makes its buffer: uploadToGPU makes the buffer of each
 * input and output of every program (tfjs-backend-webgpu 4.22).
 */
export function guardBufferSizes(backend: UploadingBackend, limits: GpuLimits, adapter: string): void {
  const upload = backend.uploadToGPU.bind(backend);
  backend.uploadToGPU = (dataId) => {
    const data = backend.tensorMap.get(dataId);
    if (data && data.resource == null) {
      const problem = tensorTooLarge(data.shape, data.dtype, limits, adapter);
      if (problem) throw new Error(problem);
    }
    upload(dataId);
  };
}
