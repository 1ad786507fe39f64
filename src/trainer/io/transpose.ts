/** Row-major [rows, cols] → [cols, rows]: torch Linear `[out, in]` ↔ the `[in, out]` kernels the models multiply by. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}
