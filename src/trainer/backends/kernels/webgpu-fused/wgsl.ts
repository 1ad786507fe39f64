/** WGSL pieces every fused shader shares. */

/** Threads per workgroup. 64 keeps software adapters (lavapipe's SIMD lanes) busy without long barriers. */
export const WG = 64;

/** The entry point's builtins, with `group` the flat workgroup index (dispatches wrap past 65535 along y). */
export const ENTRY = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

export const GROUP = 'let group = wid.x + wid.y * nwg.x;';

/**
 * Threads that share one row of a row shader: about 8 elements each, a power of two from 8 to the
 * workgroup. Short rows then share a workgroup (fewer workgroups, shorter reductions).
 */
export function threadsPerRow(h: number): number {
  let t = 8;
  while (t < WG && t * 8 < h) t *= 2;
  return t;
}

/**
 * The head of a row shader with `tpr` threads per row: sums and maxima over a row's threads
 * (`total`, `largest`, every thread of the row gets the result), and `row`, `lane`, `live`, `base`.
 * Threads of a row past the last still reach every barrier (WGSL needs barriers in uniform control flow).
 */
export function rowShader(tpr: number, body: string): string {
  return `
const WG = ${WG}u;
const TPR = ${tpr}u;
const RPW = ${WG / tpr}u;
var<workgroup> red: array<f32, ${WG}>;
fn total(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  let lane = lid % TPR;
  for (var s = TPR / 2u; s > 0u; s = s >> 1u) {
    if (lane < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[lid - lane];
  workgroupBarrier();
  return r;
}
fn largest(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  let lane = lid % TPR;
  for (var s = TPR / 2u; s > 0u; s = s >> 1u) {
    if (lane < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[lid - lane];
  workgroupBarrier();
  return r;
}
${ENTRY} {
  let group = wid.x + wid.y * nwg.x;
  if (group * RPW >= u.rows) { return; }
  let row = group * RPW + lid / TPR;
  let lane = lid % TPR;
  let live = row < u.rows;
  let r = min(row, u.rows - 1u);
  let base = r * u.h;
${body}
}`;
}

/** Workgroups of a row shader over `rows` rows. */
export function rowGroups(rows: number, tpr: number): number {
  return Math.ceil(rows / (WG / tpr));
}

/** Workgroup sum and max of one value per thread; every thread gets the result. */
export const REDUCE = `
const WG = ${WG}u;
var<workgroup> red: array<f32, ${WG}>;
fn total(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn largest(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;

/** Sum over row chunks of `p` [chunks, h] into `out` [h]: the second stage of every weight gradient. */
export const COLUMN_TOTAL = `
${ENTRY} {
  ${GROUP}
  let j = group * ${WG}u + lid;
  if (j >= u.h) { return; }
  var s = 0.0;
  for (var c = 0u; c < u.chunks; c = c + 1u) { s = s + p[c * u.h + j]; }
  out[j] = s;
}`;

/**
 * Elements each thread of an elementwise shader handles (strided by the workgroup, so reads stay
 * coalesced): fewer, fuller workgroups. Software adapters pay per workgroup; GPUs do not mind.
 */
export const PER_THREAD = 8;

/** The loop header of an elementwise shader: `i` runs over this thread's elements below u.n. */
export const ELEMENTS = `let first = (wid.x + wid.y * nwg.x) * ${WG * PER_THREAD}u + lid;
  for (var k = 0u; k < ${PER_THREAD}u; k = k + 1u) {
    let i = first + k * ${WG}u;
    if (i >= u.n) { break; }`;

/** Workgroups for `n` elements of an elementwise shader. */
export function elementGroups(n: number): number {
  return Math.ceil(n / (WG * PER_THREAD));
}

/** Rows each thread of a weight-gradient shader sums before the column totals. */
export const ROWS_PER_CHUNK = 64;
