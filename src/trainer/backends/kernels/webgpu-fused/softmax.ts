/**
 * FtsMaskedSoftmax and its gradient on webgpu: one workgroup per row of scores [B, heads, T, S].
 * The additive mask is read through broadcast strides (0 along its size-1 axes), so the [B,1,1,S]
 * padding mask or a [1,1,T,S] causal mask is never expanded. The arithmetic is the composite's:
 * v = scores·scale + mask, exp(v - max) / Σ exp(v - max).
 */
import type * as tf from '@tensorflow/tfjs';
import { inputsOf, requireFloat32, rowsOf, webgpuOf } from './common';
import { gridFor, makeOutput, runShader } from './runner';
import { rowGroups, rowShader, threadsPerRow } from './wgsl';

const SOFTMAX = `
  // The row's (b, head, t) for the mask's strides.
  let t = r % u.t;
  let head = (r / u.t) % u.heads;
  let b = r / (u.t * u.heads);
  let mbase = b * u.m0 + head * u.m1 + t * u.m2;
  var top = bitcast<f32>(0xff7fffffu); // the most negative float32
  for (var j = lane; j < u.h; j = j + TPR) { top = max(top, scores[base + j] * u.scale + mask[mbase + j * u.m3]); }
  let m = largest(top, lid);
  var s = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) {
    let e = exp(scores[base + j] * u.scale + mask[mbase + j * u.m3] - m);
    s = s + e;
    if (live) { probs[base + j] = e; }
  }
  let z = total(s, lid);
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) { probs[base + j] = probs[base + j] / z; }
  }`;

const SOFTMAX_GRAD = `
  var a = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) { a = a + dy[base + j] * probs[base + j]; }
  let d = total(a, lid);
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) {
      let p = probs[base + j];
      dscores[base + j] = (dy[base + j] * p - d * p) * u.scale;
    }
  }`;

/** Strides of `mask` broadcast to [b, heads, t, s] (0 along axes of size 1); throws if it does not broadcast. */
export function maskStrides(maskShape: readonly number[], scoresShape: readonly number[]): [number, number, number, number] {
  const target = [...Array(Math.max(0, 4 - scoresShape.length)).fill(1), ...scoresShape].slice(-4);
  if (maskShape.length > 4) throw new Error(`FtsMaskedSoftmax: mask [${maskShape}] has more than 4 axes.`);
  const shape = [...Array(4 - maskShape.length).fill(1), ...maskShape];
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let axis = 3; axis >= 0; axis--) {
    if (shape[axis] !== 1 && shape[axis] !== target[axis]) {
      throw new Error(`FtsMaskedSoftmax: mask [${maskShape}] does not broadcast to scores [${scoresShape}].`);
    }
    strides[axis] = shape[axis] === 1 ? 0 : stride;
    stride *= shape[axis];
  }
  return strides as [number, number, number, number];
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

export function maskedSoftmaxKernel({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const backend = webgpuOf(b);
  const { scores } = inputsOf('FtsMaskedSoftmax', inputs, ['scores']);
  const given = inputs.mask as tf.TensorInfo | undefined;
  requireFloat32('FtsMaskedSoftmax', { scores, mask: given });
  if (scores.shape.length > 4) throw new Error(`FtsMaskedSoftmax: scores [${scores.shape}] has more than 4 axes.`);
  const { rows, h: s } = rowsOf(scores);
  const probs = makeOutput(backend, [...scores.shape]);
  if (rows === 0) return probs;
  // No mask: one zero read through stride 0.
  const mask = given ?? backend.makeTensorInfo([1], 'float32', new Float32Array(1));
  const [m0, m1, m2, m3] = maskStrides(mask.shape, scores.shape);
  const dims = [...Array(Math.max(0, 4 - scores.shape.length)).fill(1), ...scores.shape];
  const u32 = (name: string, value: number) => ({ name, type: 'u32' as const, value });
  try {
    runShader(backend, {
      key: `masked-softmax-${threadsPerRow(s)}`,
      body: rowShader(threadsPerRow(s), SOFTMAX),
      bindings: [{ tensor: scores }, { tensor: mask }, { tensor: probs, write: true }],
      names: ['scores', 'mask', 'probs'],
      uniforms: [
        u32('rows', rows), u32('h', s), u32('t', dims[2]), u32('heads', dims[1]),
        u32('m0', m0), u32('m1', m1), u32('m2', m2), u32('m3', m3),
        { name: 'scale', type: 'f32', value: Number(attrs?.scale ?? 1) },
      ],
      workgroups: gridFor(rowGroups(rows, threadsPerRow(s))),
    });
  } finally {
    if (!given) backend.disposeData(mask.dataId);
  }
  return probs;
}

export function maskedSoftmaxGradKernel({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const backend = webgpuOf(b);
  const { dy, probs } = inputsOf('FtsMaskedSoftmaxGrad', inputs, ['dy', 'probs']);
  requireFloat32('FtsMaskedSoftmaxGrad', { dy, probs });
  const { rows, h: s } = rowsOf(probs);
  const dscores = makeOutput(backend, [...probs.shape]);
  if (rows === 0) return dscores;
  runShader(backend, {
    key: `masked-softmax-grad-${threadsPerRow(s)}`,
    body: rowShader(threadsPerRow(s), SOFTMAX_GRAD),
    bindings: [{ tensor: dy }, { tensor: probs }, { tensor: dscores, write: true }],
    names: ['dy', 'probs', 'dscores'],
    uniforms: [
      { name: 'rows', type: 'u32', value: rows },
      { name: 'h', type: 'u32', value: s },
      { name: 'scale', type: 'f32', value: Number(attrs?.scale ?? 1) },
    ],
    workgroups: gridFor(rowGroups(rows, threadsPerRow(s))),
  });
  return dscores;
}
