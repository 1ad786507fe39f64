/**
 * Softmax for the webgpu backend that handles rows whose every logit is float32's lowest value.
 *
 * tfjs-backend-webgpu 4.22 starts each row's max at -3.402823e+38, which is above float32's lowest
 * (-3.4028235e+38, the value transformers' masks add). A row masked throughout (a padding query under a
 * sliding window, a fully padded row) then keeps that start as its max, every exp underflows to 0 and
 * the row becomes 0/0 = NaN, where torch and the cpu backend give a uniform row. Here each thread's max
 * starts from a logit of the row itself; the rest is the stock shader.
 */
import * as tf from '@tensorflow/tfjs';
import { markFast } from './registry';

/** The parts of WebGPUBackend and its program interface used here (the package is optional). */
interface WebGpuBackendLike {
  runWebGPUProgram(program: SoftmaxProgram, inputs: tf.TensorInfo[], outputDtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

export interface SoftmaxProgram {
  variableNames: string[];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  shaderKey: string;
  getUserCode(): string;
}

/** One workgroup per row of [rows, cols]: max, sum of exps, then the normalised exps. */
export function softmaxProgram(rows: number, cols: number): SoftmaxProgram {
  const blockSize = cols >= 4096 ? 256 : 64;
  return {
    variableNames: ['logits'],
    outputShape: [rows, cols],
    dispatchLayout: { x: [0, 1] },
    dispatch: [rows, 1, 1],
    workgroupSize: [blockSize, 1, 1],
    shaderKey: 'fts_softmax',
    getUserCode: () => `
    var<workgroup> buf : array<f32, ${blockSize}>;
    var<workgroup> rowMaxShared : f32;
    var<workgroup> rowSumShared : f32;
    const blockSize = ${blockSize};
    fn main(index : i32) {
      let row = index / blockSize;
      let tid = i32(localId.x);
      let cols = uniforms.outShape[1];

      // A logit of this row, not a constant: a row of float32's lowest value has that as its max.
      var threadMax = getLogits(row, 0);
      for (var col = tid; col < cols; col += blockSize) {
        threadMax = max(threadMax, getLogits(row, col));
      }
      if (tid < cols) {
        buf[tid] = threadMax;
      }
      workgroupBarrier();

      var reduceSize = min(cols, blockSize);
      for (var currSize = reduceSize >> 1; currSize > 0; currSize = reduceSize >> 1) {
        reduceSize = currSize + (reduceSize & 1);
        if (tid < currSize) {
          buf[tid] = max(buf[tid], buf[tid + reduceSize]);
        }
        workgroupBarrier();
      }
      if (tid == 0) {
        rowMaxShared = buf[0];
      }
      workgroupBarrier();

      var threadSum = 0.0;
      for (var col = tid; col < cols; col += blockSize) {
        threadSum += exp(getLogits(row, col) - rowMaxShared);
      }
      buf[tid] = threadSum;
      workgroupBarrier();
      for (var currSize = blockSize >> 1; currSize > 0; currSize = currSize >> 1) {
        if (tid < currSize) {
          buf[tid] = buf[tid] + buf[tid + currSize];
        }
        workgroupBarrier();
      }
      if (tid == 0) {
        rowSumShared = buf[0];
      }
      workgroupBarrier();

      for (var col = tid; col < cols; col += blockSize) {
        setOutputAtCoords(row, col, exp(getLogits(row, col) - rowMaxShared) / rowSumShared);
      }
    }
    `,
  };
}

export function makeWebGpuSoftmax(reshape: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const gpu = backend as unknown as WebGpuBackendLike;
    const { logits } = inputs as { logits: tf.TensorInfo };
    const dim = (attrs as unknown as { dim: number }).dim;
    const cols = logits.shape[dim];
    const rows = tf.util.sizeFromShape(logits.shape) / cols;
    const flat = reshape.kernelFunc({ inputs: { x: logits }, backend, attrs: { shape: [rows, cols] } }) as tf.TensorInfo;
    const probs = gpu.runWebGPUProgram(softmaxProgram(rows, cols), [flat], logits.dtype);
    const out = reshape.kernelFunc({ inputs: { x: probs }, backend, attrs: { shape: logits.shape } }) as tf.TensorInfo;
    gpu.disposeData(flat.dataId);
    gpu.disposeData(probs.dataId);
    return out;
  };
  return markFast({ kernelName: tf.Softmax, backendName: 'webgpu', kernelFunc });
}
