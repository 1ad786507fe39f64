/**
 * What each backend can hold, for the memory plan: the wasm heap's maximum, a WebGPU adapter's
 * buffer limits, the machine's memory for cpu and the native backends. Pure (the machine's memory
 * is passed in), so the language server uses it too; backend-limits.ts asks the running process.
 */
import { formatLimit, type MemoryLimit } from './estimate';

/**
 * tfjs-backend-wasm 4.22's emscripten build: `getHeapMax()` returns 4294901760 (4 GiB less one 64 KiB
 * page; the threaded build's WebAssembly.Memory has maximum 65536 pages). Every tensor lives there.
 */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/** `fusedKernels`: the native addon's fused transformer kernels run (they keep fewer intermediates). */
export function wasmLimit(fusedKernels = false): MemoryLimit {
  return { backend: 'wasm', bytes: WASM_HEAP_MAX_BYTES, label: '4 GiB (wasm)', ...(fusedKernels ? { fusedKernels } : {}) };
}

/** cpu, tensorflow, tensorflow-gpu: the machine's memory (os.totalmem). */
export function machineLimit(backend: string, bytes: number): MemoryLimit {
  return { backend, bytes, label: `${formatLimit(bytes)} (${backend}: machine memory)` };
}

/** WebGPU's limits as the adapter reports them (GPUSupportedLimits). */
export interface WebGpuLimits {
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

/**
 * WebGPU reports no device memory, so the whole step is held against the machine's memory; each
 * tensor must fit one storage buffer binding (and one buffer).
 */
export function webGpuLimit(limits: WebGpuLimits, machineBytes: number): MemoryLimit {
  const perTensor = Math.min(limits.maxBufferSize ?? Infinity, limits.maxStorageBufferBindingSize ?? Infinity);
  return {
    backend: 'webgpu',
    bytes: machineBytes,
    label: `${formatLimit(machineBytes)} (webgpu: machine memory; the adapter reports no device memory)`,
    ...(Number.isFinite(perTensor) ? { tensorBytes: perTensor, tensorLabel: `maxStorageBufferBindingSize ${formatLimit(perTensor)}` } : {}),
  };
}

/** Backends a run could switch to: cpu always, the native one when it is installed. */
export function alternativeLimits(nativeInstalled: boolean, machineBytes: number): MemoryLimit[] {
  return [...(nativeInstalled ? [machineLimit('tensorflow', machineBytes)] : []), machineLimit('cpu', machineBytes)];
}
