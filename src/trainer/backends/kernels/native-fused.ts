/**
 * The fused transformer ops (../fused) for the wasm backend through the native addon, on the wasm
 * heap in place like native-matmul.ts: outputs are allocated first (allocating may grow the wasm
 * Memory, which detaches the old buffer), then the addon gets byte offsets into the current heap.
 * The fused ops send only float32 here; anything else is an error naming the kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { FusedKernelsAddon } from '../blas-addon';
import {
  FtsGelu, FtsGeluGrad, FtsLayerNorm, FtsLayerNormGrad, FtsMaskedSoftmax, FtsMaskedSoftmaxGrad, FtsRmsNorm, FtsRmsNormGrad, FtsSwiGlu, FtsSwiGluGrad,
} from '../fused';
import { heapOf } from './native-matmul';

type Inputs = Record<string, tf.TensorInfo>;

interface Call {
  backend: BackendWasm;
  inputs: Inputs;
  attrs: Record<string, unknown>;
}

function float32(kernelName: string, inputs: Inputs): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`${kernelName} (native wasm kernel): input ${name} must be float32, got ${t.dtype}`);
  }
}

function sameShape(kernelName: string, a: tf.TensorInfo, b: tf.TensorInfo, names: string): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`${kernelName}: ${names} must have one shape, got [${a.shape}] and [${b.shape}]`);
}

/** Rows and row length of x over its last axis, checking a per-feature vector of that length. */
function rowsAndSize(kernelName: string, x: tf.TensorInfo, perFeature: tf.TensorInfo, name: string): [number, number] {
  const size = x.shape[x.shape.length - 1] ?? 1;
  if (tf.util.sizeFromShape(perFeature.shape) !== size) {
    throw new Error(`${kernelName}: ${name} must have ${size} elements (x's last axis), got shape [${perFeature.shape}]`);
  }
  const total = tf.util.sizeFromShape(x.shape);
  return [size === 0 ? 0 : total / size, size];
}

function makeConfig(kernelName: string, run: (call: Call) => tf.TensorInfo | tf.TensorInfo[]): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const inputs = args.inputs as Inputs;
    float32(kernelName, inputs);
    return run({ backend: args.backend as BackendWasm, inputs, attrs: (args.attrs ?? {}) as Record<string, unknown> });
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}

/** Element strides of `shape` read as `target` (numpy broadcasting; 0 along a broadcast axis), or undefined when it does not broadcast. */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] | undefined {
  if (shape.length > target.length) return undefined;
  const padded = [...new Array<number>(target.length - shape.length).fill(1), ...shape];
  const strides = new Array<number>(target.length).fill(0);
  let stride = 1;
  for (let d = target.length - 1; d >= 0; d--) {
    if (padded[d] !== 1 && padded[d] !== target[d]) return undefined;
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  return strides;
}

/** Kernel configs for every fused op, calling `addon` (registered by kernels/index.ts). */
export function makeNativeFusedKernels(addon: FusedKernelsAddon): tf.KernelConfig[] {
  const offset = (backend: BackendWasm, t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
  return [
    makeConfig(FtsLayerNorm, ({ backend, inputs: { x, gamma, beta }, attrs }) => {
      const [rows, size] = rowsAndSize(FtsLayerNorm, x, gamma, 'gamma');
      rowsAndSize(FtsLayerNorm, x, beta, 'beta');
      const y = backend.makeOutput([...x.shape], 'float32');
      const mean = backend.makeOutput([rows], 'float32');
      const invStd = backend.makeOutput([rows], 'float32');
      const o = (t: tf.TensorInfo) => offset(backend, t);
      addon.layerNorm(heapOf(backend), o(x), o(gamma), o(beta), o(y), o(mean), o(invStd), rows, size, Number(attrs.epsilon));
      return [y, mean, invStd];
    }),
    makeConfig(FtsLayerNormGrad, ({ backend, inputs: { dy, x, gamma, mean, invStd } }) => {
      sameShape(FtsLayerNormGrad, dy, x, 'dy and x');
      const [rows, size] = rowsAndSize(FtsLayerNormGrad, x, gamma, 'gamma');
      const dx = backend.makeOutput([...x.shape], 'float32');
      const dgamma = backend.makeOutput([size], 'float32');
      const dbeta = backend.makeOutput([size], 'float32');
      const o = (t: tf.TensorInfo) => offset(backend, t);
      addon.layerNormGrad(heapOf(backend), o(dy), o(x), o(gamma), o(mean), o(invStd), o(dx), o(dgamma), o(dbeta), rows, size);
      return [dx, dgamma, dbeta];
    }),
    makeConfig(FtsRmsNorm, ({ backend, inputs: { x, weight }, attrs }) => {
      const [rows, size] = rowsAndSize(FtsRmsNorm, x, weight, 'weight');
      const y = backend.makeOutput([...x.shape], 'float32');
      const invRms = backend.makeOutput([rows], 'float32');
      const o = (t: tf.TensorInfo) => offset(backend, t);
      addon.rmsNorm(heapOf(backend), o(x), o(weight), o(y), o(invRms), rows, size, Number(attrs.epsilon));
      return [y, invRms];
    }),
    makeConfig(FtsRmsNormGrad, ({ backend, inputs: { dy, x, weight, invRms } }) => {
      sameShape(FtsRmsNormGrad, dy, x, 'dy and x');
      const [rows, size] = rowsAndSize(FtsRmsNormGrad, x, weight, 'weight');
      const dx = backend.makeOutput([...x.shape], 'float32');
      const dweight = backend.makeOutput([size], 'float32');
      const o = (t: tf.TensorInfo) => offset(backend, t);
      addon.rmsNormGrad(heapOf(backend), o(dy), o(x), o(weight), o(invRms), o(dx), o(dweight), rows, size);
      return [dx, dweight];
    }),
    makeConfig(FtsMaskedSoftmax, ({ backend, inputs: { scores, mask }, attrs }) => {
      if (scores.shape.length !== 4) throw new Error(`${FtsMaskedSoftmax}: scores must be [batch, heads, queries, keys], got [${scores.shape}]`);
      const strides = broadcastStrides(mask.shape, scores.shape);
      if (!strides) throw new Error(`${FtsMaskedSoftmax}: mask of shape [${mask.shape}] does not broadcast to scores [${scores.shape}]`);
      const probs = backend.makeOutput([...scores.shape], 'float32');
      const [d0, d1, d2, d3] = scores.shape;
      const [m0, m1, m2, m3] = strides;
      addon.maskedSoftmax(
        heapOf(backend), offset(backend, scores), offset(backend, mask), offset(backend, probs),
        d0, d1, d2, d3, m0, m1, m2, m3, tf.util.sizeFromShape(mask.shape), Number(attrs.scale),
      );
      return probs;
    }),
    makeConfig(FtsMaskedSoftmaxGrad, ({ backend, inputs: { dy, probs }, attrs }) => {
      sameShape(FtsMaskedSoftmaxGrad, dy, probs, 'dy and probs');
      const cols = probs.shape[probs.shape.length - 1] ?? 1;
      const total = tf.util.sizeFromShape(probs.shape);
      const dscores = backend.makeOutput([...probs.shape], 'float32');
      addon.maskedSoftmaxGrad(heapOf(backend), offset(backend, dy), offset(backend, probs), offset(backend, dscores), cols === 0 ? 0 : total / cols, cols, Number(attrs.scale));
      return dscores;
    }),
    makeConfig(FtsGelu, ({ backend, inputs: { x }, attrs }) => {
      const y = backend.makeOutput([...x.shape], 'float32');
      addon.gelu(heapOf(backend), offset(backend, x), offset(backend, y), tf.util.sizeFromShape(x.shape), attrs.approximate === 'tanh' ? 1 : 0);
      return y;
    }),
    makeConfig(FtsGeluGrad, ({ backend, inputs: { dy, x }, attrs }) => {
      sameShape(FtsGeluGrad, dy, x, 'dy and x');
      const dx = backend.makeOutput([...x.shape], 'float32');
      addon.geluGrad(heapOf(backend), offset(backend, dy), offset(backend, x), offset(backend, dx), tf.util.sizeFromShape(x.shape), attrs.approximate === 'tanh' ? 1 : 0);
      return dx;
    }),
    makeConfig(FtsSwiGlu, ({ backend, inputs: { gate, up } }) => {
      sameShape(FtsSwiGlu, gate, up, 'gate and up');
      const y = backend.makeOutput([...gate.shape], 'float32');
      addon.swiGlu(heapOf(backend), offset(backend, gate), offset(backend, up), offset(backend, y), tf.util.sizeFromShape(gate.shape));
      return y;
    }),
    makeConfig(FtsSwiGluGrad, ({ backend, inputs: { dy, gate, up } }) => {
      sameShape(FtsSwiGluGrad, dy, gate, 'dy and gate');
      sameShape(FtsSwiGluGrad, gate, up, 'gate and up');
      const dgate = backend.makeOutput([...gate.shape], 'float32');
      const dup = backend.makeOutput([...gate.shape], 'float32');
      const o = (t: tf.TensorInfo) => offset(backend, t);
      addon.swiGluGrad(heapOf(backend), o(dy), o(gate), o(up), o(dgate), o(dup), tf.util.sizeFromShape(gate.shape));
      return [dgate, dup];
    }),
  ];
}
