/**
 * wasm kernels that were slow in the models' training steps (the transformer-encoder's GELU is
 * 0.5x(1 + tanh(c(x + 0.044715 x^3)))):
 *  - Pow with a scalar small-integer exponent (x^3, and x^2 in its gradient): the stock kernel calls
 *    powf per element (~10 ms of CPU for 0.5 M values); repeated multiplication takes ~1 ms.
 *    (Tanh costs about the same per element, but a JS loop was no faster than the stock kernel:
 *    both spend ~20 ns per value on the libm call or polynomial.)
 *  - Identity: the stock kernel copies; like the cpu backend's, ours shares the data (refcounted),
 *    as wasm's own Reshape already does. tfjs never writes a tensor's data in place.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { markFast } from './registry';

/** Exponents Pow handles itself; others go to the stock kernel. */
const FAST_EXPONENTS = new Set([-2, -1, 0, 1, 2, 3, 4]);

/** out[i] = x[i]^n for an integer n in FAST_EXPONENTS, computed in double. */
export function powInto(x: ArrayLike<number>, n: number, out: Float32Array): void {
  const len = x.length;
  switch (n) {
    case 0: out.fill(1); return; // powf(NaN, 0) is 1 too
    case 1: for (let i = 0; i < len; i++) out[i] = x[i]; return;
    case 2: for (let i = 0; i < len; i++) { const v = x[i]; out[i] = v * v; } return;
    case 3: for (let i = 0; i < len; i++) { const v = x[i]; out[i] = v * v * v; } return;
    case 4: for (let i = 0; i < len; i++) { const v = x[i] * x[i]; out[i] = v * v; } return;
    case -1: for (let i = 0; i < len; i++) out[i] = 1 / x[i]; return;
    case -2: for (let i = 0; i < len; i++) { const v = x[i]; out[i] = 1 / (v * v); } return;
    default: throw new RangeError(`powInto: exponent ${n} is not handled`);
  }
}

export function makeWasmPow(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype === 'string' || tf.util.sizeFromShape(b.shape) !== 1) return stock.kernelFunc(args);
    // A scalar exponent of higher rank would broadcast the output to more dimensions.
    if (b.shape.length > a.shape.length) return stock.kernelFunc(args);
    const n = backend.typedArrayFromHeap(b)[0];
    if (!FAST_EXPONENTS.has(n)) return stock.kernelFunc(args);
    const out = backend.makeOutput(a.shape, 'float32');
    powInto(backend.typedArrayFromHeap(a), n, backend.typedArrayFromHeap(out) as Float32Array);
    return out;
  };
  return markFast({ kernelName: tf.Pow, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc });
}

export function makeWasmIdentity(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' && stock) return stock.kernelFunc(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return markFast({ kernelName: tf.Identity, backendName: 'wasm', kernelFunc });
}
