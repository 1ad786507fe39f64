import { DataError } from './errors';
import type { RawTable } from './table';
import { numericValue, rowError } from './values';

/** Per-feature mean and standard deviation from the training data, applied to every split. */
export interface FeatureStats {
  names: string[];
  mean: number[];
  std: number[];
}

/** Every column whose values are all numbers, except the label, in file order. */
export function detectNumericColumns(table: RawTable, labelColumn: string): string[] {
  const columns = table.columns.filter(
    (column) => column !== labelColumn && table.rows.every((row) => numericValue(row.values[column]) !== undefined),
  );
  if (columns.length === 0) {
    throw new DataError(table.file, 1, 1, `no numeric feature columns besides "${labelColumn}"; set data.feature_columns`);
  }
  return columns;
}

/** Row-major [rows, columns] raw feature values; a non-numeric cell is a DataError. */
export function readFeatureMatrix(table: RawTable, columns: readonly string[]): Float32Array {
  const width = columns.length;
  const matrix = new Float32Array(table.rows.length * width);
  table.rows.forEach((row, r) => {
    columns.forEach((column, c) => {
      const value = numericValue(row.values[column]);
      if (value === undefined) throw rowError(table, row, column, 'a number (a feature column)');
      matrix[r * width + c] = value;
    });
  });
  return matrix;
}

export function computeFeatureStats(matrix: Float32Array, names: readonly string[]): FeatureStats {
  const width = names.length;
  const rows = matrix.length / width;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) mean[c] += matrix[r * width + c];
  for (let c = 0; c < width; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) std[c] += (matrix[r * width + c] - mean[c]) ** 2;
  // A constant column keeps std 1 so standardising leaves it at 0 instead of dividing by zero.
  for (let c = 0; c < width; c++) std[c] = Math.sqrt(std[c] / rows) || 1;
  return { names: [...names], mean, std };
}

/** Standardises in place: (x - mean) / std per column. */
export function standardize(matrix: Float32Array, stats: FeatureStats): Float32Array {
  const width = stats.names.length;
  for (let i = 0; i < matrix.length; i++) {
    const c = i % width;
    matrix[i] = (matrix[i] - stats.mean[c]) / stats.std[c];
  }
  return matrix;
}
