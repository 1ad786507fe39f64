/**
 * The wasm heap's exhaustion is told apart from other aborts: tfjs-backend-wasm's "Aborted()" with
 * the heap at its 4 GiB maximum (what bert-base at batch 2 × 128 on pure wasm does, measured with
 * FTS_NATIVE=0) gets the advice; an abort below the maximum, or another error, keeps its own message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWasmHeapExhausted, WASM_HEAP_EXHAUSTED_ADVICE } from '../../../src/trainer/backends/wasm-heap';
import { WASM_HEAP_MAX_BYTES } from '../../../src/trainer/memory/limits';

const abort = () => new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');

test('an abort with the wasm heap at its maximum is heap exhaustion; others are not', () => {
  assert.equal(isWasmHeapExhausted(abort(), WASM_HEAP_MAX_BYTES), true);
  assert.equal(isWasmHeapExhausted(abort(), 2 ** 31), false, 'an abort with room left is something else');
  assert.equal(isWasmHeapExhausted(abort(), undefined), false, 'not on wasm');
  assert.equal(isWasmHeapExhausted(new Error('Shapes do not match'), WASM_HEAP_MAX_BYTES), false);
  assert.match(WASM_HEAP_EXHAUSTED_ADVICE, /per_device_train_batch_size.*gradient_checkpointing: true.*backend: cpu/);
});
