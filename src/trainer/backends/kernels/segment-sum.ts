/**
 * UnsortedSegmentSum as a plain typed-array loop, for the wasm backend (which has no kernel at all,
 * so the gradient of tf.gather, i.e. of every embedding, fails there) and the cpu backend (whose
 * stock kernel runs tensor ops per segment: 172 s for one call with vocab 5000).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';

type NumericArray = Float32Array | Int32Array | Uint8Array;

/**
 * out[ids[i], j] += x[i, j] for every i < ids.length and j < inner; ids outside
 * [0, numSegments) are dropped, as TensorFlow does. `out` must hold numSegments * inner values.
 */
export function segmentSumInto(x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number, out: NumericArray): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

interface SegmentSumShapes {
  outShape: number[];
  inner: number;
  numSegments: number;
}

function shapesOf(x: tf.TensorInfo, segmentIds: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined): SegmentSumShapes {
  const numSegments = Number(attrs?.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${String(attrs?.numSegments)}.`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum supports float32 and int32 tensors, got ${x.dtype}.`);
  }
  const idRank = segmentIds.shape.length;
  const innerShape = x.shape.slice(idRank);
  return {
    outShape: [numSegments, ...innerShape],
    inner: tf.util.sizeFromShape(innerShape),
    numSegments,
  };
}

const wasmSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { outShape, inner, numSegments } = shapesOf(x, segmentIds, attrs);
  const out = wasm.makeOutput(outShape, x.dtype);
  // Views after makeOutput: allocating may grow the wasm heap, which detaches older views.
  const xs = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  segmentSumInto(xs, ids, inner, numSegments, wasm.typedArrayFromHeap(out));
  return out;
};

const cpuSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = backend as tf.KernelBackend;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { outShape, inner, numSegments } = shapesOf(x, segmentIds, attrs);
  const xs = cpu.readSync(x.dataId) as NumericArray;
  const ids = cpu.readSync(segmentIds.dataId) as NumericArray;
  const values = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  segmentSumInto(xs, ids, inner, numSegments, values);
  return { dataId: cpu.write(values, outShape, x.dtype), shape: outShape, dtype: x.dtype };
};

export const wasmSegmentSumConfig: tf.KernelConfig = markFast({
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: wasmSegmentSum,
});

export const cpuSegmentSumConfig: tf.KernelConfig = markFast({
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'cpu',
  kernelFunc: cpuSegmentSum,
});
