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

/**
 * The wasm heap over the live bytes tfjs allocates, with the pure wasm kernels: XNNPACK keeps a
 * packed copy of each matmul's weight operand (one per orientation, freed with the tensor) inside the
 * heap, where the plan's meter does not see it, and the heap fragments. Measured 1.09-1.51 on BERT
 * shapes (bench/wasm-heap.ts); bert-base and distilgpt2 at 2 × 128 abort at 4 GiB with 3.36 and
 * 2.98 GB live (bench/memory.ts, FTS_NATIVE=0).
 */
export const PURE_WASM_HEAP_RATIO = 1.55;

/** The same with the native addon (matmuls are BLAS calls on the heap in place): 1.01-1.10, growth steps and fragmentation. */
export const NATIVE_WASM_HEAP_RATIO = 1.1;

/** `fusedKernels`: the native addon's kernels run (fewer intermediates, and no packed copies). */
export function wasmLimit(fusedKernels = false): MemoryLimit {
  const limit: MemoryLimit = { backend: 'wasm', bytes: WASM_HEAP_MAX_BYTES, label: '4 GiB (wasm)' };
  if (fusedKernels) {
    return {
      ...limit,
      fusedKernels,
      cautionBytes: Math.floor(WASM_HEAP_MAX_BYTES / NATIVE_WASM_HEAP_RATIO),
      cautionReason: `the wasm heap grows to up to ${NATIVE_WASM_HEAP_RATIO} × the live bytes (its growth steps, and fragmentation)`,
    };
  }
  return {
    ...limit,
    cautionBytes: Math.floor(WASM_HEAP_MAX_BYTES / PURE_WASM_HEAP_RATIO),
    cautionReason: `the pure wasm kernels hold up to ${PURE_WASM_HEAP_RATIO} × the live bytes (XNNPACK's packed copies of the matmul weights, which the native addon does not make, and fragmentation)`,
  };
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
