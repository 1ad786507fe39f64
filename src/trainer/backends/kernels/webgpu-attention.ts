/**
 * FtsAttention and FtsAttentionGrad for the tfjs webgpu backend (shaders in
 * ./webgpu-attention-shaders.ts). Forward: one dispatch, then two copies out of its packed result
 * (tfjs programs have one output). Backward: one dispatch for dq, one for dk and dv (packed, then
 * two copies). The mask is any additive mask broadcastable to [B, heads, T, S]; attrs.causal adds
 * the causal rule without reading a mask (and skips the key tiles it hides). k and v may have fewer
 * heads than q when they divide it (grouped-query attention).
 */
import * as tf from '@tensorflow/tfjs';
import {
  copyRangeShader,
  forwardRowBytes,
  forwardShader,
  keyGradRowBytes,
  keyGradShader,
  maskStrides,
  MAX_HEAD_DIM,
  queryGradShader,
  rowsFor,
  tileFor,
  vectorWidth,
  type AttentionDims,
  type AttentionShaderOptions,
} from './webgpu-attention-shaders';

/** The webgpu backend's program interface (tfjs-backend-webgpu's WebGPUProgram; its package is optional). */
interface Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  variableNames: string[];
  variableComponents?: number[];
  outputComponent?: number;
  uniforms?: string;
  size?: boolean;
  getUserCode(): string;
}

type Uniform = { type: 'float32' | 'int32'; data: number[] };

/** The part of WebGPUBackend used here. */
export interface WebGpuBackendLike {
  device: { limits: { maxComputeWorkgroupStorageSize: number } };
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: Uniform[]): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
}

export interface AttentionAttrs {
  scale: number;
  causal?: boolean;
}

/** A program over rows of one side (query rows for forward and dq, key rows for dk/dv). */
class FtsAttentionProgram implements Program {
  shaderKey: string;
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  variableComponents: number[];
  outputComponent: number;
  uniforms: string;

  constructor(
    readonly kind: 'forward' | 'dq' | 'dkdv',
    readonly options: AttentionShaderOptions,
    readonly outputShape: number[],
    readonly variableNames: string[],
    ownedRows: number,
    groups: number,
  ) {
    const w = vectorWidth(options.headDim);
    this.workgroupSize = [options.rows, 1, 1];
    this.dispatch = [Math.ceil(ownedRows / options.rows), groups, 1];
    this.variableComponents = variableNames.map((name) => (name === 'Mask' || name === 'Lse' ? 1 : w));
    this.outputComponent = kind === 'forward' ? 1 : w;
    this.uniforms = `scale : f32, maskStrides : vec4<i32>,${kind === 'forward' ? ' lseOffset : i32,' : kind === 'dkdv' ? ' dvOffset : i32,' : ''}`;
    const { headDim, rows, tile, hasMask, causal } = options;
    this.shaderKey = `ftsAttention_${kind}_${headDim}_${rows}_${tile}_${hasMask ? 'mask' : 'nomask'}_${causal ? 'causal' : 'full'}`;
  }

  getUserCode(): string {
    if (this.kind === 'forward') return forwardShader(this.options);
    return this.kind === 'dq' ? queryGradShader(this.options) : keyGradShader(this.options);
  }
}

class CopyRangeProgram implements Program {
  shaderKey = 'ftsCopyRange';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  variableNames = ['X'];
  uniforms = 'offset : i32,';
  size = true;

  constructor(readonly outputShape: number[]) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outputShape) / 64), 1, 1];
  }

  getUserCode(): string {
    return copyRangeShader;
  }
}

function copyRange(backend: WebGpuBackendLike, packed: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  return backend.runWebGPUProgram(new CopyRangeProgram(shape), [packed], 'float32', [{ type: 'int32', data: [offset] }]);
}

/** Checks the operands and returns their sizes; errors name the shapes and what is expected. */
export function attentionDims(q: tf.TensorInfo, k: tf.TensorInfo, v: tf.TensorInfo): AttentionDims {
  const shape = (t: tf.TensorInfo) => `[${t.shape.join(', ')}]`;
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.shape.length !== 4) throw new Error(`FtsAttention: ${name} must be [batch, heads, length, headDim], got ${shape(t)}`);
    if (t.dtype !== 'float32') throw new Error(`FtsAttention: ${name} must be float32, got ${t.dtype}`);
  }
  const [batch, heads, queryLength, headDim] = q.shape;
  const [kb, kvHeads, keyLength, kd] = k.shape;
  if (kb !== batch || kd !== headDim || heads % kvHeads !== 0 || !tf.util.arraysEqual(k.shape, v.shape)) {
    throw new Error(`FtsAttention: k ${shape(k)} and v ${shape(v)} must be [${batch}, heads dividing ${heads}, S, ${headDim}] for q ${shape(q)}`);
  }
  if (headDim > MAX_HEAD_DIM) throw new Error(`FtsAttention on webgpu: head dim ${headDim} is over ${MAX_HEAD_DIM}; use another backend`);
  return { batch, heads, kvHeads, queryLength, keyLength, headDim };
}

function maskUniforms(mask: tf.TensorInfo | undefined, dims: AttentionDims, scale: number): Uniform[] {
  return [
    { type: 'float32', data: [scale] },
    { type: 'int32', data: mask ? maskStrides(mask.shape, dims) : [0, 0, 0, 0] },
  ];
}

/** Workgroup bytes left for the tiles (the shaders also keep one i32 loop bound there). */
function storageLimit(backend: WebGpuBackendLike): number {
  return backend.device.limits.maxComputeWorkgroupStorageSize - 16;
}

function isEmpty(dims: AttentionDims): boolean {
  return dims.batch * dims.heads * dims.queryLength * dims.keyLength * dims.headDim === 0;
}

/** [out [B, H, T, D], logsumexp [B, H, T]]. */
export function attentionForward(
  backend: WebGpuBackendLike,
  inputs: { q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; mask?: tf.TensorInfo },
  attrs: AttentionAttrs,
): [tf.TensorInfo, tf.TensorInfo] {
  const { q, k, v, mask } = inputs;
  const dims = attentionDims(q, k, v);
  if (isEmpty(dims)) throw new Error(`FtsAttention on webgpu: empty operands q [${q.shape.join(', ')}], k [${k.shape.join(', ')}]`);
  const { batch: B, heads: H, queryLength: T, keyLength: S, headDim: D } = dims;
  const options: AttentionShaderOptions = {
    headDim: D,
    rows: rowsFor(T),
    tile: tileFor(forwardRowBytes(D), storageLimit(backend), S),
    hasMask: mask !== undefined,
    causal: attrs.causal === true,
  };
  const outSize = B * H * T * D;
  const names = mask ? ['Q', 'K', 'V', 'Mask'] : ['Q', 'K', 'V'];
  const program = new FtsAttentionProgram('forward', options, [outSize + B * H * T], names, T, B * H);
  const uniforms = [...maskUniforms(mask, dims, attrs.scale), { type: 'int32' as const, data: [outSize] }];
  const packed = backend.runWebGPUProgram(program, mask ? [q, k, v, mask] : [q, k, v], 'float32', uniforms);
  try {
    return [copyRange(backend, packed, 0, [B, H, T, D]), copyRange(backend, packed, outSize, [B, H, T])];
  } finally {
    backend.disposeData(packed.dataId);
  }
}

/** [dq, dk, dv] from the forward's out and logsumexp. */
export function attentionBackward(
  backend: WebGpuBackendLike,
  inputs: { dy: tf.TensorInfo; q: tf.TensorInfo; k: tf.TensorInfo; v: tf.TensorInfo; mask?: tf.TensorInfo; out: tf.TensorInfo; logsumexp: tf.TensorInfo },
  attrs: AttentionAttrs,
): [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo] {
  const { dy, q, k, v, mask, out, logsumexp } = inputs;
  const dims = attentionDims(q, k, v);
  if (isEmpty(dims)) throw new Error(`FtsAttentionGrad on webgpu: empty operands q [${q.shape.join(', ')}], k [${k.shape.join(', ')}]`);
  const { batch: B, heads: H, kvHeads: KVH, queryLength: T, keyLength: S, headDim: D } = dims;
  for (const [name, t, want] of [['dout', dy, q.shape], ['out', out, q.shape], ['logsumexp', logsumexp, [B, H, T]]] as const) {
    if (!tf.util.arraysEqual(t.shape, [...want])) throw new Error(`FtsAttentionGrad: ${name} must be [${want.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  const hasMask = mask !== undefined;
  const causal = attrs.causal === true;
  const names = ['DY', 'Q', 'K', 'V', 'O', 'Lse', ...(mask ? ['Mask'] : [])];
  const operands = [dy, q, k, v, out, logsumexp, ...(mask ? [mask] : [])];
  const uniforms = maskUniforms(mask, dims, attrs.scale);
  const limit = storageLimit(backend);

  const dqOptions = { headDim: D, rows: rowsFor(T), tile: tileFor(forwardRowBytes(D), limit, S), hasMask, causal };
  const dq = backend.runWebGPUProgram(new FtsAttentionProgram('dq', dqOptions, [B, H, T, D], names, T, B * H), operands, 'float32', uniforms);

  const kvSize = B * KVH * S * D;
  const w = vectorWidth(D);
  const kvOptions = { headDim: D, rows: rowsFor(S), tile: tileFor(keyGradRowBytes(D), limit, T), hasMask, causal };
  const kvProgram = new FtsAttentionProgram('dkdv', kvOptions, [2 * kvSize], names, S, B * KVH);
  const packed = backend.runWebGPUProgram(kvProgram, operands, 'float32', [...uniforms, { type: 'int32', data: [kvSize / w] }]);
  try {
    return [dq, copyRange(backend, packed, 0, [B, KVH, S, D]), copyRange(backend, packed, kvSize, [B, KVH, S, D])];
  } finally {
    backend.disposeData(packed.dataId);
  }
}

function attrsOf(attrs: tf.NamedAttrMap | undefined): AttentionAttrs {
  const scale = attrs?.scale;
  if (typeof scale !== 'number') throw new Error('FtsAttention: attrs.scale (a number) is required');
  return { scale, causal: attrs?.causal === true };
}

/** FtsAttention's kernel function (registered through ./webgpu-fused's table). */
export const attentionKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { q, k, v, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!q || !k || !v) throw new Error('FtsAttention: inputs q, k and v are required');
  return attentionForward(backend as unknown as WebGpuBackendLike, { q, k, v, mask }, attrsOf(attrs));
};

/** FtsAttentionGrad's kernel function. */
export const attentionGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dout, q, k, v, mask, out, logsumexp } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!dout || !q || !k || !v || !out || !logsumexp) throw new Error('FtsAttentionGrad: inputs dout, q, k, v, out and logsumexp are required');
  return attentionBackward(backend as unknown as WebGpuBackendLike, { dy: dout, q, k, v, mask, out, logsumexp }, attrsOf(attrs));
};
