/**
 * FtsGelu (erf or tanh approximation), FtsSwiGlu and their gradients on webgpu: one thread per
 * element, forward and backward each one pass instead of tfjs's 5-10 kernels.
 * erf is Abramowitz & Stegun 7.1.26, the approximation tfjs's own Erf kernels use (WGSL has none).
 * gelu_new is written as the composite writes it: x·sigmoid(2·√(2/π)·(x + 0.044715x³)).
 */
import type * as tf from '@tensorflow/tfjs';
import { inputsOf, requireFloat32, sizeOf, webgpuOf } from './common';
import { gridFor, makeOutput, runShader } from './runner';
import { ELEMENTS, ENTRY, elementGroups } from './wgsl';

const MATH = `
fn erf_as(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return sign(v) * y;
}
fn sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }
const K = 1.5957691216057308; // 2·√(2/π)
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
`;


const GELU = {
  none: `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let v = x[i];
  y[i] = v * 0.5 * (1.0 + erf_as(v * SQRT1_2));
  }
}`,
  tanh: `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let v = x[i];
  y[i] = v * sigmoid(K * (v + 0.044715 * (v * v * v)));
  }
}`,
};

const GELU_GRAD = {
  none: `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let v = x[i];
  dx[i] = dy[i] * (0.5 * (1.0 + erf_as(v * SQRT1_2)) + v * INV_SQRT_2PI * exp(-0.5 * v * v));
  }
}`,
  tanh: `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let v = x[i];
  let s = sigmoid(K * (v + 0.044715 * (v * v * v)));
  dx[i] = dy[i] * (s + v * s * (1.0 - s) * K * (1.0 + 3.0 * 0.044715 * v * v));
  }
}`,
};

const SWIGLU = `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let g = gate[i];
  y[i] = g * sigmoid(g) * up[i];
  }
}`;

const SWIGLU_GRAD = `${MATH}
${ENTRY} {
  ${ELEMENTS}
  let g = gate[i];
  let s = sigmoid(g);
  dgate[i] = dy[i] * up[i] * (s + g * s * (1.0 - s));
  dup[i] = dy[i] * g * s;
  }
}`;

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function approximationOf(op: string, attrs: tf.NamedAttrMap | undefined): 'none' | 'tanh' {
  const a = attrs?.approximate ?? 'none';
  if (a === 'none') return 'none';
  if (a === 'tanh') return 'tanh';
  throw new Error(`${op}: approximate is ${JSON.stringify(a)}; use 'none' (erf) or 'tanh' (gelu_new).`);
}

function sameShape(op: string, a: tf.TensorInfo, b: tf.TensorInfo): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op} on webgpu needs inputs of one shape; got [${a.shape}] and [${b.shape}].`);
  }
}

function elementwise(
  backend: unknown,
  key: string,
  body: string,
  inputs: [string, tf.TensorInfo][],
  outputs: string[],
): tf.TensorInfo[] {
  const gpu = webgpuOf(backend);
  const shape = [...inputs[0][1].shape];
  const n = sizeOf(shape);
  const outs = outputs.map(() => makeOutput(gpu, shape));
  if (n === 0) return outs;
  runShader(gpu, {
    key,
    body,
    bindings: [...inputs.map(([, tensor]) => ({ tensor })), ...outs.map((tensor) => ({ tensor, write: true }))],
    names: [...inputs.map(([name]) => name), ...outputs],
    uniforms: [{ name: 'n', type: 'u32', value: n }],
    workgroups: gridFor(elementGroups(n)),
  });
  return outs;
}

export function geluKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const approximate = approximationOf('FtsGelu', attrs);
  const { x } = inputsOf('FtsGelu', inputs, ['x']);
  requireFloat32('FtsGelu', { x });
  return elementwise(backend, `gelu-${approximate}`, GELU[approximate], [['x', x]], ['y'])[0];
}

export function geluGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const approximate = approximationOf('FtsGeluGrad', attrs);
  const { dy, x } = inputsOf('FtsGeluGrad', inputs, ['dy', 'x']);
  requireFloat32('FtsGeluGrad', { dy, x });
  sameShape('FtsGeluGrad', dy, x);
  return elementwise(backend, `gelu-grad-${approximate}`, GELU_GRAD[approximate], [['dy', dy], ['x', x]], ['dx'])[0];
}

export function swiGluKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { gate, up } = inputsOf('FtsSwiGlu', inputs, ['gate', 'up']);
  requireFloat32('FtsSwiGlu', { gate, up });
  sameShape('FtsSwiGlu', gate, up);
  return elementwise(backend, 'swiglu', SWIGLU, [['gate', gate], ['up', up]], ['y'])[0];
}

export function swiGluGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { dy, gate, up } = inputsOf('FtsSwiGluGrad', inputs, ['dy', 'gate', 'up']);
  requireFloat32('FtsSwiGluGrad', { dy, gate, up });
  sameShape('FtsSwiGluGrad', gate, up);
  sameShape('FtsSwiGluGrad', dy, gate);
  return elementwise(backend, 'swiglu-grad', SWIGLU_GRAD, [['dy', dy], ['gate', gate], ['up', up]], ['dgate', 'dup']);
}
