/** WGSL pieces every fused shader shares. */

/** Threads per workgroup. 64 keeps software adapters (lavapipe's SIMD lanes) busy without long barriers. */
export const WG = 64;

/** The entry point's builtins, with `group` the flat workgroup index (dispatches wrap past 65535 along y). */
export const ENTRY = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

export const GROUP = 'let group = wid.x + wid.y * nwg.x;';

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

/** Rows each thread of a weight-gradient shader sums before the column totals. */
export const ROWS_PER_CHUNK = 64;
