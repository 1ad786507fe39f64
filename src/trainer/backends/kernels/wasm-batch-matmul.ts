/**
 * BatchMatMul for the wasm backend that always reaches XNNPACK.
 *
 * tfjs-backend-wasm 4.22 calls XNNPACK only when transposeA = transposeB = false and the batch is 1;
 * every other call (all backward-pass matmuls, all batched attention matmuls) runs a naive loop at
 * 1-2 GFLOP/s. Here transposes are materialised with the wasm Transpose kernel, a batch of `a`
 * against a single `b` is folded into one 2-D product, and other batches are split into 2-D
 * products over zero-copy views of the heap, broadcasting batch dimensions.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';

/** The exported C function behind the stock kernel: (a, aShape, aRank, b, bShape, bRank, tA, tB, out). */
type WasmMatMulFn = (
  aId: number, aShape: Uint8Array, aRank: number,
  bId: number, bShape: Uint8Array, bRank: number,
  transposeA: number, transposeB: number, outId: number,
) => void;

/** The part of the Emscripten module we use; tfjs types it as EmscriptenModule, not installed here. */
interface CwrapModule {
  cwrap(name: string, returnType: null, argTypes: string[]): WasmMatMulFn;
}

const ARG_TYPES = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** Row-major strides of a batch shape, 0 where the dimension broadcasts (size 1). */
function broadcastStrides(batch: number[], outBatch: number[]): number[] {
  const strides = new Array<number>(outBatch.length).fill(0);
  let stride = 1;
  for (let i = batch.length - 1, o = outBatch.length - 1; i >= 0; i--, o--) {
    strides[o] = batch[i] === 1 ? 0 : stride;
    stride *= batch[i];
  }
  return strides;
}

/** For each output batch index, the index of the matrix it reads from an operand. */
function batchIndexMap(batch: number[], outBatch: number[]): number[] {
  const strides = broadcastStrides(batch, outBatch);
  const total = tf.util.sizeFromShape(outBatch);
  const map = new Array<number>(total);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let index = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      index += (rest % outBatch[d]) * strides[d];
      rest = Math.floor(rest / outBatch[d]);
    }
    map[flat] = index;
  }
  return map;
}

/**
 * Registers a tensor that aliases `bytes` at `offset` inside existing heap memory. Released with
 * `releaseView`, which must not free the memory: it belongs to the tensor it aliases.
 */
function heapView(backend: BackendWasm, offset: number, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32', offset);
}

function releaseView(backend: BackendWasm, view: tf.TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  if (!data) return;
  backend.wasm.tfjs.disposeData(data.id); // drops the C++ entry and any XNNPACK operator keyed on it
  backend.dataIdMap.delete(view.dataId);
}

export function makeWasmBatchMatMul(stock: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  // One C binding per backend instance (tests may create more than one).
  const bindings = new WeakMap<BackendWasm, WasmMatMulFn>();
  const bind = (backend: BackendWasm): WasmMatMulFn => {
    let fn = bindings.get(backend);
    if (!fn) {
      fn = (backend.wasm as unknown as CwrapModule).cwrap(tf.BatchMatMul, null, ARG_TYPES);
      bindings.set(backend, fn);
    }
    return fn;
  };

  const swapLastTwo = (backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
  };

  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const transposeA = Boolean(args.attrs?.transposeA);
    const transposeB = Boolean(args.attrs?.transposeB);
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
    const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
    const kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
    const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
    const aBatch = a.shape.slice(0, -2);
    const bBatch = b.shape.slice(0, -2);
    // Anything unusual (non-float, empty, mismatched) goes to the stock kernel, which also raises
    // the standard tfjs errors.
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kb ||
        tf.util.sizeFromShape(a.shape) === 0 || tf.util.sizeFromShape(b.shape) === 0) {
      return stock.kernelFunc(args);
    }
    const outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
    const batches = tf.util.sizeFromShape(outBatch);
    const outShape = [...outBatch, m, n];
    const matmul = bind(backend);

    const temps: tf.TensorInfo[] = [];
    const views: tf.TensorInfo[] = [];
    try {
      const a2 = transposeA ? swapLastTwo(backend, a) : a;
      if (transposeA) temps.push(a2);
      const b2 = transposeB ? swapLastTwo(backend, b) : b;
      if (transposeB) temps.push(b2);
      const out = backend.makeOutput(outShape, 'float32');
      const idOf = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.id;
      const aCount = tf.util.sizeFromShape(aBatch);
      const bCount = tf.util.sizeFromShape(bBatch);

      if (bCount === 1) {
        // One b for every batch of a: a single [batches*m, k] x [k, n] product, no copies.
        // (aCount === batches here: b broadcasts, so the output batch is a's.)
        matmul(idOf(a2), shapeBytes([1, aCount * m, k]), 3, idOf(b2), shapeBytes([1, k, n]), 3, 0, 0, idOf(out));
        return out;
      }
      const aOffset = backend.dataIdMap.get(a2.dataId)!.memoryOffset;
      const bOffset = backend.dataIdMap.get(b2.dataId)!.memoryOffset;
      const outOffset = backend.dataIdMap.get(out.dataId)!.memoryOffset;
      const aIndex = batchIndexMap(aBatch, outBatch);
      const bIndex = batchIndexMap(bBatch, outBatch);
      const aBytes = shapeBytes([1, m, k]);
      const bBytes = shapeBytes([1, k, n]);
      for (let i = 0; i < batches; i++) {
        const av = heapView(backend, aOffset + 4 * aIndex[i] * m * k, [m, k]);
        views.push(av);
        // A fresh id per b matrix: XNNPACK caches its packed weights keyed on b's id.
        const bv = heapView(backend, bOffset + 4 * bIndex[i] * k * n, [k, n]);
        views.push(bv);
        const ov = heapView(backend, outOffset + 4 * i * m * n, [m, n]);
        views.push(ov);
        matmul(idOf(av), aBytes, 3, idOf(bv), bBytes, 3, 0, 0, idOf(ov));
        for (const v of views.splice(0)) releaseView(backend, v);
      }
      return out;
    } finally {
      for (const v of views) releaseView(backend, v);
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };

  return markFast({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    kernelFunc,
    // Kept so the stock binding is set up if this config is registered before the backend starts.
    setupFunc: stock.setupFunc,
  });
}
