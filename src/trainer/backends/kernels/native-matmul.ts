/**
 * BatchMatMul and _FusedMatMul for the wasm backend through the native addon's OpenBLAS sgemm,
 * reading and writing the wasm heap in place: operands are passed as byte offsets into the wasm
 * Memory's buffer, so nothing is copied or transposed first (sgemm takes the transposes).
 * Batch dimensions broadcast as in numpy; bias and activation are applied by the addon in the
 * same call. Anything else (non-float32, empty, mismatched shapes, a bias that is not per column)
 * goes to the stock wasm kernel, which also raises tfjs's standard errors.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BlasAddon } from '../blas-addon';

/** The addon's activation codes, tfjs-backend-wasm's FusableActivation order. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };

/** For each output batch index, the index of the matrix it reads from an operand (numpy broadcasting). */
export function batchIndexMap(batch: readonly number[], outBatch: readonly number[]): number[] {
  const strides = new Array<number>(outBatch.length).fill(0);
  let stride = 1;
  for (let i = batch.length - 1, o = outBatch.length - 1; i >= 0; i--, o--) {
    strides[o] = batch[i] === 1 ? 0 : stride;
    stride *= batch[i];
  }
  const total = tf.util.sizeFromShape([...outBatch]);
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

/** The wasm heap as bytes. tfjs types the module as EmscriptenModule, whose types are not installed. */
export function heapOf(backend: BackendWasm): Uint8Array {
  return (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
}

/** A per-column vector: size n (or 1), every dimension but the last of size 1. */
function perColumn(x: tf.TensorInfo, n: number): boolean {
  const size = tf.util.sizeFromShape(x.shape);
  return x.dtype === 'float32' && (size === n || size === 1) && x.shape.slice(0, -1).every((d) => d === 1);
}

interface Epilogue {
  bias?: tf.TensorInfo;
  activation: number;
  alpha: number;
  prelu?: tf.TensorInfo;
}

/** Runs op(a)·op(b) (+ epilogue) into a new output, or returns undefined when the stock kernel must. */
function nativeMatMul(
  addon: BlasAddon, backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo,
  transposeA: boolean, transposeB: boolean, epilogue: Epilogue,
): tf.TensorInfo | undefined {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || aRank < 2 || bRank < 2) return undefined;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kb = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kb || m === 0 || n === 0 || k === 0) return undefined;
  if (epilogue.bias && !perColumn(epilogue.bias, n)) return undefined;
  if (epilogue.prelu && !perColumn(epilogue.prelu, n)) return undefined;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  } catch {
    return undefined;
  }
  const batches = tf.util.sizeFromShape(outBatch);
  if (batches === 0) return undefined;
  const out = backend.makeOutput([...outBatch, m, n], 'float32');
  // After makeOutput: allocating may grow the wasm Memory, which detaches the old buffer.
  const offsetOf = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  const aBase = offsetOf(a);
  const bBase = offsetOf(b);
  const aCount = tf.util.sizeFromShape(aBatch);
  const bCount = tf.util.sizeFromShape(bBatch);
  let aOffsets: Float64Array;
  let bOffsets: Float64Array;
  let rows = m;
  if (bCount === 1 && !transposeA) {
    // One b for every batch of a: a single [batches·m, k] × [k, n] product.
    aOffsets = Float64Array.of(aBase);
    bOffsets = Float64Array.of(bBase);
    rows = aCount * m;
  } else {
    const aIndex = batchIndexMap(aBatch, outBatch);
    const bIndex = batchIndexMap(bBatch, outBatch);
    aOffsets = Float64Array.from(aIndex, (i) => aBase + 4 * i * m * k);
    bOffsets = Float64Array.from(bIndex, (i) => bBase + 4 * i * k * n);
  }
  const bias = epilogue.bias;
  const prelu = epilogue.prelu;
  addon.matmul(
    heapOf(backend), aOffsets, bOffsets, offsetOf(out), rows, n, k, transposeA, transposeB,
    bias ? offsetOf(bias) : -1, bias ? tf.util.sizeFromShape(bias.shape) : 0,
    epilogue.activation, epilogue.alpha,
    prelu ? offsetOf(prelu) : -1, prelu ? tf.util.sizeFromShape(prelu.shape) : 0,
  );
  return out;
}

const ADDON = 'finetuneStudioBlasAddon';

/** The addon behind a registered kernel config, when it is one of ours. */
export function addonOf(config: tf.KernelConfig | undefined): BlasAddon | undefined {
  return (config as (tf.KernelConfig & { [ADDON]?: BlasAddon }) | undefined)?.[ADDON];
}

export function makeNativeBatchMatMul(addon: BlasAddon, stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const out = nativeMatMul(addon, args.backend as BackendWasm, a, b, Boolean(args.attrs?.transposeA), Boolean(args.attrs?.transposeB), {
      activation: 0,
      alpha: 0,
    });
    return out ?? stock.kernelFunc(args);
  };
  return { kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc, [ADDON]: addon } as tf.KernelConfig;
}

export function makeNativeFusedMatMul(addon: BlasAddon, stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
    const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
    if (!a || !b || activation === undefined || (activation === ACTIVATIONS.prelu && !preluActivationWeights)) return stock.kernelFunc(args);
    const out = nativeMatMul(addon, args.backend as BackendWasm, a, b, Boolean(attrs.transposeA), Boolean(attrs.transposeB), {
      bias: bias ?? undefined,
      activation,
      alpha: attrs.leakyreluAlpha ?? 0.2,
      prelu: activation === ACTIVATIONS.prelu ? preluActivationWeights : undefined,
    });
    return out ?? stock.kernelFunc(args);
  };
  return { kernelName: tf._FusedMatMul, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc };
}

/** The addon's element-wise ops (fts_native.c, unary). */
const UNARY_OPS: Record<string, number> = { [tf.Exp]: 0, [tf.Erf]: 1 };

/** Exp or Erf through glibc's expf / erff on the heap in place; non-float32 inputs go to the stock kernel. */
export function makeNativeUnary(addon: BlasAddon, kernelName: typeof tf.Exp | typeof tf.Erf, stock: tf.KernelConfig): tf.KernelConfig {
  const op = UNARY_OPS[kernelName];
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const size = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || size === 0) return stock.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput([...x.shape], 'float32');
    const offsetOf = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    addon.unary(heapOf(backend), op, offsetOf(x), offsetOf(out), size);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc };
}
