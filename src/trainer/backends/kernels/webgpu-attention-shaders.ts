/**
 * WGSL for fused attention on the tfjs webgpu backend, FlashAttention-2 style: a workgroup owns a
 * block of query rows (forward, dq) or key rows (dk/dv), one row per invocation, and walks the other
 * side in tiles staged in workgroup memory. Softmax is online (running max and sum per row), so the
 * [T, S] score matrix never exists in global memory; the forward keeps each row's logsumexp and the
 * backward recomputes the probabilities from it. These are the bodies tfjs's program header wraps
 * (it declares `result`, the inputs, `uniforms` and the builtins used here).
 */

/** Attention shapes: q [batch, heads, T, headDim]; k and v [batch, kvHeads, S, headDim]. */
export interface AttentionDims {
  batch: number;
  heads: number;
  kvHeads: number;
  queryLength: number;
  keyLength: number;
  headDim: number;
}

/** Compile-time choices baked into one shader (all part of its cache key). */
export interface AttentionShaderOptions {
  headDim: number;
  /** Invocations per workgroup: rows of the side the workgroup owns. */
  rows: number;
  /** Rows of the other side staged in workgroup memory per step. */
  tile: number;
  hasMask: boolean;
  /** Key j is visible to query i only when j <= i + S - T (bottom-right aligned, as with a KV cache). */
  causal: boolean;
}

/** Largest rows per workgroup; fewer when the sequence is shorter (idle invocations still cost on a CPU rasteriser). */
export const MAX_ROWS = 64;
/** Largest staged tile (also the length of the per-invocation score buffer). */
export const MAX_TILE = 64;
/** Per-invocation arrays hold a few head vectors; past this they stop being registers on any GPU. */
export const MAX_HEAD_DIM = 256;

/** Vector width of the shader: vec4 when the head dim allows it. */
export function vectorWidth(headDim: number): 1 | 4 {
  return headDim % 4 === 0 ? 4 : 1;
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Invocations per workgroup for `length` rows: a power of two from 8 to MAX_ROWS. */
export function rowsFor(length: number): number {
  return Math.min(MAX_ROWS, Math.max(8, pow2AtLeast(length)));
}

/**
 * Rows of the other side one workgroup stages at a time: `bytesPerRow` each, within the device's
 * maxComputeWorkgroupStorageSize, at most MAX_TILE and no more than the sequence needs.
 */
export function tileFor(bytesPerRow: number, storageLimit: number, length: number): number {
  const fit = Math.floor(storageLimit / bytesPerRow);
  if (fit < 1) {
    throw new Error(
      `fused attention needs ${bytesPerRow} bytes of workgroup memory per row, but this WebGPU device allows ${storageLimit} ` +
        '(maxComputeWorkgroupStorageSize); use another backend for this head size.',
    );
  }
  return Math.min(fit, MAX_TILE, Math.max(1, length));
}

/** Workgroup bytes per staged row: forward and dq stage k and v rows; dk/dv stage q and dout rows plus two scalars. */
export const forwardRowBytes = (headDim: number): number => 2 * headDim * 4;
export const keyGradRowBytes = (headDim: number): number => 2 * headDim * 4 + 2 * 4;

/**
 * Element strides of an additive mask broadcast to [batch, heads, T, S]: 0 on each axis of size 1.
 * The mask is right-aligned (rank 2 [T, S], rank 3 [heads, T, S] and rank 4 are accepted).
 */
export function maskStrides(maskShape: readonly number[], dims: AttentionDims): [number, number, number, number] {
  if (maskShape.length < 1 || maskShape.length > 4) throw new Error(`fused attention: the mask must have rank 1 to 4, got [${maskShape.join(', ')}]`);
  const full = [dims.batch, dims.heads, dims.queryLength, dims.keyLength];
  const shape = [...Array<number>(4 - maskShape.length).fill(1), ...maskShape];
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let axis = 3; axis >= 0; axis--) {
    if (shape[axis] !== 1 && shape[axis] !== full[axis]) {
      throw new Error(`fused attention: mask [${maskShape.join(', ')}] does not broadcast to [${full.join(', ')}]`);
    }
    strides[axis] = shape[axis] === 1 ? 0 : stride;
    stride *= shape[axis];
  }
  return strides as [number, number, number, number];
}

/** The most negative float32, as bits (a literal this large is rejected by some WGSL compilers). */
const NEG = 'bitcast<f32>(0xff7fffffu)';

function prelude(o: AttentionShaderOptions): string {
  const w = vectorWidth(o.headDim);
  return `
alias VT = ${w === 4 ? 'vec4<f32>' : 'f32'};
const D4 = ${o.headDim / w};
const ROWS = ${o.rows};
const TILE = ${o.tile};
fn dotv(a: VT, b: VT) -> f32 { return ${w === 4 ? 'dot(a, b)' : 'a * b'}; }
fn hsum(a: VT) -> f32 { return ${w === 4 ? 'a.x + a.y + a.z + a.w' : 'a'}; }
var<workgroup> wgBound: i32;
fn maskAt(b: i32, h: i32, i: i32, j: i32) -> f32 {
  ${o.hasMask ? 'let st = uniforms.maskStrides; return Mask[b * st.x + h * st.y + i * st.z + j * st.w];' : 'return 0.0;'}
}`;
}

/**
 * `let name = value` for a loop bound that depends on the workgroup id: WGSL only allows barriers in
 * loops whose bounds it can prove uniform, and tfjs hands the id through a private variable.
 */
function uniformBound(value: string, name: string): string {
  return `if (tid == 0) { wgBound = ${value}; }
  let ${name} = workgroupUniformLoad(&wgBound);`;
}

/** Stages TILE rows of K and V (of kv head `kvBase`), starting at key j0, zero past S. */
const stageKeys = `
    for (var e = tid; e < TILE * D4; e += ROWS) {
      let j = j0 + e / D4;
      var kk = VT(0.0);
      var vv = VT(0.0);
      if (j < S) {
        let at = kvBase + j * D4 + e % D4;
        kk = K[at];
        vv = V[at];
      }
      kTile[e] = kk;
      vTile[e] = vv;
    }
    workgroupBarrier();`;

/** Shared setup of the kernels that own query rows (forward and dq). */
const queryRowSetup = (o: AttentionShaderOptions) => `
  let T = uniforms.qShape.z;
  let S = uniforms.kShape.z;
  let ND = uniforms.qShape.w / ${vectorWidth(o.headDim)};
  let H = uniforms.qShape.y;
  let KVH = uniforms.kShape.y;
  let bh = i32(workgroupId.y);
  let b = bh / H;
  let h = bh - b * H;
  let g = h / (H / KVH);
  let tid = i32(localIndex);
  let row0 = i32(workgroupId.x) * ROWS;
  let i = min(row0 + tid, T - 1);
  let rowAt = (bh * T + i) * D4;
  let kvBase = (b * KVH + g) * S * D4;
  let shift = S - T;
  ${o.causal ? uniformBound('clamp(row0 + ROWS + shift, 0, S)', 'keyEnd') : 'let keyEnd = S;'}`;

/** Keys of the staged tile this row sees: all n of them, or those up to the causal diagonal. */
const visible = (o: AttentionShaderOptions) => (o.causal ? 'min(n, i + shift + 1 - j0)' : 'n');

/**
 * Forward: result is packed [out (B·H·T·D) | logsumexp (B·H·T)], scalar floats; the kernel splits it.
 * Inputs Q, K, V (VT) and Mask (f32, when present).
 */
export function forwardShader(o: AttentionShaderOptions): string {
  const w = vectorWidth(o.headDim);
  const write = w === 4
    ? 'let at = (bh * T + i) * D4 * 4 + c * 4; let y = acc[c] * inv; result[at] = y.x; result[at + 1] = y.y; result[at + 2] = y.z; result[at + 3] = y.w;'
    : 'result[(bh * T + i) * D4 + c] = acc[c] * inv;';
  return `${prelude(o)}
var<workgroup> kTile: array<VT, ${o.tile * (o.headDim / w)}>;
var<workgroup> vTile: array<VT, ${o.tile * (o.headDim / w)}>;
fn main() {
  ${queryRowSetup(o)}
  var q: array<VT, D4>;
  for (var c = 0; c < ND; c++) { q[c] = Q[rowAt + c]; }
  var acc: array<VT, D4>;
  var m = ${NEG};
  var l = 0.0;
  var s: array<f32, TILE>;
  for (var j0 = 0; j0 < keyEnd; j0 += TILE) {
    ${stageKeys}
    let n = min(TILE, keyEnd - j0);
    let mine = ${visible(o)};
    var tileMax = ${NEG};
    for (var jj = 0; jj < mine; jj++) {
      var d = 0.0;
      for (var c = 0; c < ND; c++) { d += dotv(q[c], kTile[jj * D4 + c]); }
      let sc = d * uniforms.scale + maskAt(b, h, i, j0 + jj);
      s[jj] = sc;
      tileMax = max(tileMax, sc);
    }
    if (mine > 0) {
      let mNew = max(m, tileMax);
      let alpha = exp(m - mNew);
      l = l * alpha;
      for (var jj = 0; jj < mine; jj++) {
        let p = exp(s[jj] - mNew);
        s[jj] = p;
        l += p;
      }
      // Head-dim outer: each accumulator is read and written once per tile, not once per key.
      for (var c = 0; c < ND; c++) {
        var a = acc[c] * alpha;
        for (var jj = 0; jj < mine; jj++) { a += s[jj] * vTile[jj * D4 + c]; }
        acc[c] = a;
      }
      m = mNew;
    }
    workgroupBarrier();
  }
  if (row0 + tid < T) {
    let inv = 1.0 / l;
    for (var c = 0; c < ND; c++) { ${write} }
    result[uniforms.lseOffset + bh * T + i] = m + log(l);
  }
}`;
}

/**
 * dq: result [B, H, T, D] (VT). Inputs DY, Q, K, V, O, Lse, Mask. Each row recomputes its
 * probabilities p = exp(s - lse) and D = dout·out, so ds = p (dout·v - D).
 */
export function queryGradShader(o: AttentionShaderOptions): string {
  const w = vectorWidth(o.headDim);
  return `${prelude(o)}
var<workgroup> kTile: array<VT, ${o.tile * (o.headDim / w)}>;
var<workgroup> vTile: array<VT, ${o.tile * (o.headDim / w)}>;
fn main() {
  ${queryRowSetup(o)}
  var q: array<VT, D4>;
  var dy: array<VT, D4>;
  var dd = VT(0.0);
  for (var c = 0; c < ND; c++) {
    q[c] = Q[rowAt + c];
    dy[c] = DY[rowAt + c];
    dd += dy[c] * O[rowAt + c];
  }
  let rowD = hsum(dd);
  let lse = Lse[bh * T + i];
  var dq: array<VT, D4>;
  var s: array<f32, TILE>;
  for (var j0 = 0; j0 < keyEnd; j0 += TILE) {
    ${stageKeys}
    let n = min(TILE, keyEnd - j0);
    let mine = ${visible(o)};
    for (var jj = 0; jj < mine; jj++) {
      var d = 0.0;
      var dp = 0.0;
      for (var c = 0; c < ND; c++) {
        d += dotv(q[c], kTile[jj * D4 + c]);
        dp += dotv(dy[c], vTile[jj * D4 + c]);
      }
      let p = exp(d * uniforms.scale + maskAt(b, h, i, j0 + jj) - lse);
      s[jj] = p * (dp - rowD);
    }
    for (var c = 0; c < ND; c++) {
      var a = dq[c];
      for (var jj = 0; jj < mine; jj++) { a += s[jj] * kTile[jj * D4 + c]; }
      dq[c] = a;
    }
    workgroupBarrier();
  }
  if (row0 + tid < T) {
    for (var c = 0; c < ND; c++) { result[rowAt + c] = dq[c] * uniforms.scale; }
  }
}`;
}

/**
 * dk and dv: result packed [dk (B·KVH·S·D) | dv (B·KVH·S·D)] (VT). Inputs DY, Q, K, V, O, Lse, Mask.
 * A workgroup owns ROWS keys of one kv head and walks the queries of every head sharing it.
 */
export function keyGradShader(o: AttentionShaderOptions): string {
  const w = vectorWidth(o.headDim);
  const rowVectors = o.tile * (o.headDim / w);
  return `${prelude(o)}
var<workgroup> qTile: array<VT, ${rowVectors}>;
var<workgroup> dyTile: array<VT, ${rowVectors}>;
var<workgroup> lseTile: array<f32, TILE>;
var<workgroup> dTile: array<f32, TILE>;
fn main() {
  let T = uniforms.qShape.z;
  let S = uniforms.kShape.z;
  let ND = uniforms.qShape.w / ${vectorWidth(o.headDim)};
  let H = uniforms.qShape.y;
  let KVH = uniforms.kShape.y;
  let rep = H / KVH;
  let bg = i32(workgroupId.y);
  let b = bg / KVH;
  let g = bg - b * KVH;
  let tid = i32(localIndex);
  let col0 = i32(workgroupId.x) * ROWS;
  let j = min(col0 + tid, S - 1);
  let keyAt = (bg * S + j) * D4;
  let shift = S - T;
  var k: array<VT, D4>;
  var v: array<VT, D4>;
  for (var c = 0; c < ND; c++) { k[c] = K[keyAt + c]; v[c] = V[keyAt + c]; }
  var dk: array<VT, D4>;
  var dv: array<VT, D4>;
  var pr: array<f32, TILE>;
  var ds: array<f32, TILE>;
  ${o.causal ? uniformBound('clamp(col0 - shift, 0, T)', 'queryStart') : 'let queryStart = 0;'}
  for (var r = 0; r < rep; r++) {
    let h = g * rep + r;
    let bh = b * H + h;
    for (var i0 = queryStart; i0 < T; i0 += TILE) {
      for (var e = tid; e < TILE * D4; e += ROWS) {
        let i = i0 + e / D4;
        var qq = VT(0.0);
        var yy = VT(0.0);
        if (i < T) {
          let at = (bh * T + i) * D4 + e % D4;
          qq = Q[at];
          yy = DY[at];
        }
        qTile[e] = qq;
        dyTile[e] = yy;
      }
      for (var e = tid; e < TILE; e += ROWS) {
        let i = min(i0 + e, T - 1);
        let at = (bh * T + i) * D4;
        var dd = VT(0.0);
        for (var c = 0; c < ND; c++) { dd += DY[at + c] * O[at + c]; }
        dTile[e] = hsum(dd);
        lseTile[e] = Lse[bh * T + i];
      }
      workgroupBarrier();
      let n = min(TILE, T - i0);
      var first = 0;
      ${o.causal ? 'first = max(0, j - shift - i0);' : ''}
      for (var ii = first; ii < n; ii++) {
        var d = 0.0;
        var dp = 0.0;
        for (var c = 0; c < ND; c++) {
          d += dotv(qTile[ii * D4 + c], k[c]);
          dp += dotv(dyTile[ii * D4 + c], v[c]);
        }
        let p = exp(d * uniforms.scale + maskAt(b, h, i0 + ii, j) - lseTile[ii]);
        pr[ii] = p;
        ds[ii] = p * (dp - dTile[ii]);
      }
      for (var c = 0; c < ND; c++) {
        var av = dv[c];
        var ak = dk[c];
        for (var ii = first; ii < n; ii++) {
          av += pr[ii] * dyTile[ii * D4 + c];
          ak += ds[ii] * qTile[ii * D4 + c];
        }
        dv[c] = av;
        dk[c] = ak;
      }
      workgroupBarrier();
    }
  }
  if (col0 + tid < S) {
    for (var c = 0; c < ND; c++) {
      result[keyAt + c] = dk[c] * uniforms.scale;
      result[uniforms.dvOffset + keyAt + c] = dv[c];
    }
  }
}`;
}

/** Copies a contiguous range of a flat input (a slice of a packed result) into a tensor of its own shape. */
export const copyRangeShader = `
fn main(index: i32) {
  if (index < uniforms.size) { setOutputAtIndex(index, X[uniforms.offset + index]); }
}`;
