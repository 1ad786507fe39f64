/**
 * Recognises the wasm backend's death by heap exhaustion. tfjs-backend-wasm aborts ("RuntimeError:
 * Aborted()") when an allocation finds its heap at the 4 GiB maximum; the run then says that, and
 * what to change, instead of the bare abort.
 */
import * as tf from '@tensorflow/tfjs';
import { WASM_HEAP_MAX_BYTES } from '../memory/limits';

/** The running wasm backend's heap size in bytes, or undefined on another backend. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  return (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.buffer.byteLength;
}

/** True for the abort of a wasm heap that had grown to its maximum (within 64 MiB of it). */
export function isWasmHeapExhausted(error: unknown, heapBytes: number | undefined): boolean {
  return error instanceof Error && /^Aborted\(/.test(error.message) && heapBytes !== undefined && heapBytes >= WASM_HEAP_MAX_BYTES - 64 * 2 ** 20;
}

export const WASM_HEAP_EXHAUSTED_ADVICE =
  'The wasm backend ran out of memory: its heap reached the 4 GiB it can grow to. Lower per_device_train_batch_size ' +
  '(raise gradient_accumulation_steps to keep the effective batch) or model.max_length, set gradient_checkpointing: true, ' +
  'or use backend: cpu. Checkpoints already written are intact, and --resume continues from the latest.';
