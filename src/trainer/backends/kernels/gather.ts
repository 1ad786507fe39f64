/**
 * GatherV2 (tf.gather: every embedding lookup) as contiguous slice copies. The stock wasm kernel
 * computes strides per element and took ~7 ms for 2048 rows of 64 floats; the cpu one goes
 * through TensorBuffer.get per element.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';

type Values = Float32Array | Int32Array | Uint8Array;

interface GatherPlan {
  batchSize: number;
  outerSize: number;
  dimSize: number;
  sliceSize: number;
  perBatch: number;
  outputShape: number[];
}

function plan(x: tf.TensorInfo, indices: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): GatherPlan {
  const axis = tf.util.parseAxisParam(Number(attrs?.axis ?? 0), x.shape)[0];
  const batchDims = Number(attrs?.batchDims ?? 0);
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, batchDims);
  return { ...info, perBatch: tf.util.sizeFromShape(indices.shape) / info.batchSize };
}

/** out[b, o, i, :] = x[b, o, indices[b, i], :]; throws on an index outside [0, dimSize). */
export function gatherInto(x: Values, indices: ArrayLike<number>, p: GatherPlan, out: Values): void {
  const { batchSize, outerSize, dimSize, sliceSize, perBatch } = p;
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!(index >= 0 && index < dimSize)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
  }
  let dst = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize;
      for (let i = 0; i < perBatch; i++) {
        const src = (base + indices[b * perBatch + i]) * sliceSize;
        if (sliceSize >= 32) {
          out.set(x.subarray(src, src + sliceSize), dst);
        } else {
          for (let j = 0; j < sliceSize; j++) out[dst + j] = x[src + j];
        }
        dst += sliceSize;
      }
    }
  }
}

const wasmGather: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const p = plan(x, indices, attrs);
  const out = wasm.makeOutput(p.outputShape, x.dtype);
  // Views after makeOutput: allocating may grow the wasm heap, which detaches older views.
  gatherInto(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(indices), p, wasm.typedArrayFromHeap(out));
  return out;
};

function emptyLike(dtype: tf.DataType, size: number): Values {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new Error(`GatherV2 supports float32, int32 and bool tensors, got ${dtype}.`);
}

const cpuGather: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = backend as tf.KernelBackend;
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const p = plan(x, indices, attrs);
  const out = emptyLike(x.dtype, tf.util.sizeFromShape(p.outputShape));
  gatherInto(cpu.readSync(x.dataId) as Values, cpu.readSync(indices.dataId) as Values, p, out);
  return { dataId: cpu.write(out, p.outputShape, x.dtype), shape: p.outputShape, dtype: x.dtype };
};

/** The wasm kernel falls back to the stock one for dtypes it does not copy (strings). */
export function makeWasmGather(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return markFast({
    kernelName: tf.GatherV2,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (stock && x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return stock.kernelFunc(args);
      return wasmGather(args);
    },
    setupFunc: stock?.setupFunc,
  });
}

export function makeCpuGather(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return markFast({
    kernelName: tf.GatherV2,
    backendName: 'cpu',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (stock && x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return stock.kernelFunc(args);
      return cpuGather(args);
    },
  });
}
