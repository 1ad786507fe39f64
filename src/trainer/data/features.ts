import { DataError } from './errors';
import type { RawTable } from './table';
import { numericValue, rowError } from './values';

/** Per-feature mean and standard deviation from the training data, applied to every split. */
export interface FeatureStats {
  names: string[];
  mean: number[];
  std: number[];
}

/**
 * Feature columns when `data.feature_columns` is not given: every column but the label whose values
 * are mostly numbers. A cell in such a column that is not a finite number (NaN, Infinity, empty,
 * null) is an error at its position: dropping the column instead would silently train on less.
 */
export function detectNumericColumns(table: RawTable, labelColumn: string): string[] {
  const columns = table.columns.filter((column) => column !== labelColumn && mostlyNumeric(table, column));
  if (columns.length === 0) {
    throw new DataError(table.file, 1, 1, `no numeric feature columns besides "${labelColumn}"; set data.feature_columns`);
  }
  for (const column of columns) {
    const bad = table.rows.find((row) => numericValue(row.values[column]) === undefined);
    if (bad) {
      throw rowError(table, bad, column, `a finite number: the other values of "${column}" are numbers, so it is a feature column. Fix the value, or set data.feature_columns to the columns to use`);
    }
  }
  return columns;
}

/** More than half of the rows hold a finite number in the column. */
function mostlyNumeric(table: RawTable, column: string): boolean {
  let numbers = 0;
  for (const row of table.rows) if (numericValue(row.values[column]) !== undefined) numbers++;
  return numbers * 2 > table.rows.length;
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
