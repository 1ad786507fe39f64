/**
 * FtsLayerNorm / FtsRmsNorm and their gradients on webgpu: one workgroup per row for the forward
 * pass and for dx, and a two-stage column sum (row chunks, then chunks) for the weight gradients.
 * The arithmetic follows the composites (tf.moments' two-pass variance, x·rsqrt(mean(x²)+eps)).
 */
import type * as tf from '@tensorflow/tfjs';
import { columnTotal, inputsOf, requireFloat32, rowsOf, webgpuOf } from './common';
import { gridFor, makeOutput, runShader, type WebGpuBackendLike } from './runner';
import { ENTRY, ROWS_PER_CHUNK, WG, rowGroups, rowShader, threadsPerRow } from './wgsl';

const LAYER_NORM = `
  let n = f32(u.h);
  var s = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) { s = s + x[base + j]; }
  let m = total(s, lid) / n;
  var q = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) { let d = x[base + j] - m; q = q + d * d; }
  let inv = 1.0 / sqrt(total(q, lid) / n + u.eps);
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) { y[base + j] = (x[base + j] - m) * inv * gamma[j] + beta[j]; }
    if (lane == 0u) { mean[row] = m; invStd[row] = inv; }
  }`;

const LAYER_NORM_DX = `
  let m = mean[r];
  let inv = invStd[r];
  var a = 0.0;
  var b = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) {
    let g = dy[base + j] * gamma[j];
    a = a + g;
    b = b + g * (x[base + j] - m) * inv;
  }
  let n = f32(u.h);
  let ma = total(a, lid) / n;
  let mb = total(b, lid) / n;
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) {
      let g = dy[base + j] * gamma[j];
      dx[base + j] = inv * (g - ma - (x[base + j] - m) * inv * mb);
    }
  }`;

/** Per row chunk: Σ dy·x̂ and Σ dy for each column. */
const LAYER_NORM_DW = `
${ENTRY} {
  let j = wid.x * ${WG}u + lid;
  if (j >= u.h) { return; }
  let first = wid.y * ${ROWS_PER_CHUNK}u;
  let last = min(first + ${ROWS_PER_CHUNK}u, u.rows);
  var sg = 0.0;
  var sb = 0.0;
  for (var r = first; r < last; r = r + 1u) {
    let g = dy[r * u.h + j];
    sg = sg + g * (x[r * u.h + j] - mean[r]) * invStd[r];
    sb = sb + g;
  }
  pg[wid.y * u.h + j] = sg;
  pb[wid.y * u.h + j] = sb;
}`;

const RMS_NORM = `
  var q = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) { let v = x[base + j]; q = q + v * v; }
  let inv = 1.0 / sqrt(total(q, lid) / f32(u.h) + u.eps);
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) { y[base + j] = x[base + j] * inv * weight[j]; }
    if (lane == 0u) { invRms[row] = inv; }
  }`;

const RMS_NORM_DX = `
  let inv = invRms[r];
  var a = 0.0;
  for (var j = lane; j < u.h; j = j + TPR) { a = a + dy[base + j] * weight[j] * x[base + j]; }
  let c = total(a, lid) / f32(u.h) * inv * inv * inv;
  if (live) {
    for (var j = lane; j < u.h; j = j + TPR) { dx[base + j] = inv * dy[base + j] * weight[j] - x[base + j] * c; }
  }`;

const RMS_NORM_DW = `
${ENTRY} {
  let j = wid.x * ${WG}u + lid;
  if (j >= u.h) { return; }
  let first = wid.y * ${ROWS_PER_CHUNK}u;
  let last = min(first + ${ROWS_PER_CHUNK}u, u.rows);
  var s = 0.0;
  for (var r = first; r < last; r = r + 1u) { s = s + dy[r * u.h + j] * x[r * u.h + j] * invRms[r]; }
  pw[wid.y * u.h + j] = s;
}`;

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

function sizeUniforms(rows: number, h: number) {
  return [
    { name: 'rows', type: 'u32' as const, value: rows },
    { name: 'h', type: 'u32' as const, value: h },
  ];
}

/** The weight-gradient stages: one partial row per chunk of rows, then their column totals. */
function chunkGrid(rows: number, h: number): { chunks: number; workgroups: [number, number, number] } {
  const chunks = Math.max(1, Math.ceil(rows / ROWS_PER_CHUNK));
  return { chunks, workgroups: [Math.max(1, Math.ceil(h / WG)), chunks, 1] };
}

export function layerNormKernel({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = webgpuOf(b);
  const { x, gamma, beta } = inputsOf('FtsLayerNorm', inputs, ['x', 'gamma', 'beta']);
  requireFloat32('FtsLayerNorm', { x, gamma, beta });
  const { rows, h } = rowsOf(x);
  const y = makeOutput(backend, [...x.shape]);
  const mean = makeOutput(backend, [rows]);
  const invStd = makeOutput(backend, [rows]);
  if (rows > 0) {
    runShader(backend, {
      key: `layer-norm-${threadsPerRow(h)}`,
      body: rowShader(threadsPerRow(h), LAYER_NORM),
      bindings: [{ tensor: x }, { tensor: gamma }, { tensor: beta }, { tensor: y, write: true }, { tensor: mean, write: true }, { tensor: invStd, write: true }],
      names: ['x', 'gamma', 'beta', 'y', 'mean', 'invStd'],
      uniforms: [...sizeUniforms(rows, h), { name: 'eps', type: 'f32', value: Number(attrs?.epsilon ?? 1e-5) }],
      workgroups: gridFor(rowGroups(rows, threadsPerRow(h))),
    });
  }
  return [y, mean, invStd];
}

export function layerNormGradKernel({ inputs, backend: b }: KernelArgs): tf.TensorInfo[] {
  const backend = webgpuOf(b);
  const { dy, x, gamma, mean, invStd } = inputsOf('FtsLayerNormGrad', inputs, ['dy', 'x', 'gamma', 'mean', 'invStd']);
  requireFloat32('FtsLayerNormGrad', { dy, x, gamma, mean, invStd });
  const { rows, h } = rowsOf(x);
  const dx = makeOutput(backend, [...x.shape]);
  if (rows === 0) return [dx, zeros(backend, h), zeros(backend, h)];
  runShader(backend, {
    key: `layer-norm-dx-${threadsPerRow(h)}`,
    body: rowShader(threadsPerRow(h), LAYER_NORM_DX),
    bindings: [{ tensor: dy }, { tensor: x }, { tensor: gamma }, { tensor: mean }, { tensor: invStd }, { tensor: dx, write: true }],
    names: ['dy', 'x', 'gamma', 'mean', 'invStd', 'dx'],
    uniforms: sizeUniforms(rows, h),
    workgroups: gridFor(rowGroups(rows, threadsPerRow(h))),
  });
  const { chunks, workgroups } = chunkGrid(rows, h);
  const pg = makeOutput(backend, [chunks, h]);
  const pb = makeOutput(backend, [chunks, h]);
  runShader(backend, {
    key: 'layer-norm-dw',
    body: LAYER_NORM_DW,
    bindings: [{ tensor: dy }, { tensor: x }, { tensor: mean }, { tensor: invStd }, { tensor: pg, write: true }, { tensor: pb, write: true }],
    names: ['dy', 'x', 'mean', 'invStd', 'pg', 'pb'],
    uniforms: sizeUniforms(rows, h),
    workgroups,
  });
  return [dx, columnTotal(backend, pg, chunks, h), columnTotal(backend, pb, chunks, h)];
}

export function rmsNormKernel({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = webgpuOf(b);
  const { x, weight } = inputsOf('FtsRmsNorm', inputs, ['x', 'weight']);
  requireFloat32('FtsRmsNorm', { x, weight });
  const { rows, h } = rowsOf(x);
  const y = makeOutput(backend, [...x.shape]);
  const invRms = makeOutput(backend, [rows]);
  if (rows > 0) {
    runShader(backend, {
      key: `rms-norm-${threadsPerRow(h)}`,
      body: rowShader(threadsPerRow(h), RMS_NORM),
      bindings: [{ tensor: x }, { tensor: weight }, { tensor: y, write: true }, { tensor: invRms, write: true }],
      names: ['x', 'weight', 'y', 'invRms'],
      uniforms: [...sizeUniforms(rows, h), { name: 'eps', type: 'f32', value: Number(attrs?.epsilon ?? 1e-6) }],
      workgroups: gridFor(rowGroups(rows, threadsPerRow(h))),
    });
  }
  return [y, invRms];
}

export function rmsNormGradKernel({ inputs, backend: b }: KernelArgs): tf.TensorInfo[] {
  const backend = webgpuOf(b);
  const { dy, x, weight, invRms } = inputsOf('FtsRmsNormGrad', inputs, ['dy', 'x', 'weight', 'invRms']);
  requireFloat32('FtsRmsNormGrad', { dy, x, weight, invRms });
  const { rows, h } = rowsOf(x);
  const dx = makeOutput(backend, [...x.shape]);
  if (rows === 0) return [dx, zeros(backend, h)];
  runShader(backend, {
    key: `rms-norm-dx-${threadsPerRow(h)}`,
    body: rowShader(threadsPerRow(h), RMS_NORM_DX),
    bindings: [{ tensor: dy }, { tensor: x }, { tensor: weight }, { tensor: invRms }, { tensor: dx, write: true }],
    names: ['dy', 'x', 'weight', 'invRms', 'dx'],
    uniforms: sizeUniforms(rows, h),
    workgroups: gridFor(rowGroups(rows, threadsPerRow(h))),
  });
  const { chunks, workgroups } = chunkGrid(rows, h);
  const pw = makeOutput(backend, [chunks, h]);
  runShader(backend, {
    key: 'rms-norm-dw',
    body: RMS_NORM_DW,
    bindings: [{ tensor: dy }, { tensor: x }, { tensor: invRms }, { tensor: pw, write: true }],
    names: ['dy', 'x', 'invRms', 'pw'],
    uniforms: sizeUniforms(rows, h),
    workgroups,
  });
  return [dx, columnTotal(backend, pw, chunks, h)];
}

/** A [h] tensor of zeros (the weight gradient of an empty batch), made on the CPU. */
function zeros(backend: WebGpuBackendLike, h: number): tf.TensorInfo {
  return backend.makeTensorInfo([h], 'float32', new Float32Array(h));
}
