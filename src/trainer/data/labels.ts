import { DataError } from './errors';
import type { RawTable } from './table';
import { isMissing, numericValue, rowError } from './values';

/** Items with this label contribute nothing to the loss or to numItemsInBatch (torch's default). */
export const IGNORE_INDEX = -100;

/**
 * Class names when the train labels are strings, sorted by code point so ids are deterministic;
 * undefined when every label is already an integer class id.
 */
export function inferLabelNames(table: RawTable, column: string, numLabels: number): string[] | undefined {
  const names = new Map<string, number>(); // name -> first row index
  let allIntegers = true;
  table.rows.forEach((row, index) => {
    const value = row.values[column];
    if (isMissing(value)) throw rowError(table, row, column, 'a class id or class name');
    const asNumber = numericValue(value);
    if (asNumber === undefined || !Number.isInteger(asNumber)) allIntegers = false;
    const name = String(value);
    if (!names.has(name)) names.set(name, index);
  });
  if (allIntegers) return undefined;
  const sorted = [...names.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length > numLabels) {
    const row = table.rows[names.get(sorted[numLabels]) as number];
    throw new DataError(
      table.file,
      row.line,
      row.columnOf(column),
      `column "${column}" has ${sorted.length} classes (${sorted.join(', ')}) but model.num_labels is ${numLabels}; set model.num_labels: ${sorted.length}`,
    );
  }
  return sorted;
}

/** Class ids per row: names looked up in `labelNames`, integer ids checked against [0, numLabels). */
export function encodeClassLabels(table: RawTable, column: string, numLabels: number, labelNames: readonly string[] | undefined): Int32Array {
  const ids = new Int32Array(table.rows.length);
  const idOfName = new Map(labelNames?.map((name, id) => [name, id]));
  table.rows.forEach((row, index) => {
    const value = row.values[column];
    const byName = isMissing(value) ? undefined : idOfName.get(String(value));
    if (byName !== undefined) {
      ids[index] = byName;
      return;
    }
    const id = numericValue(value);
    if (id === undefined || !Number.isInteger(id)) {
      throw rowError(table, row, column, labelNames ? `one of ${labelNames.join(', ')}` : `an integer class id in [0, ${numLabels})`);
    }
    if (id !== IGNORE_INDEX && (id < 0 || id >= numLabels)) {
      throw rowError(table, row, column, `a class id in [0, ${numLabels}) (model.num_labels is ${numLabels})`);
    }
    ids[index] = id;
  });
  return ids;
}

/** Float targets for regression (num_labels 1). */
export function encodeRegressionTargets(table: RawTable, column: string): Float32Array {
  const targets = new Float32Array(table.rows.length);
  table.rows.forEach((row, index) => {
    const value = numericValue(row.values[column]);
    if (value === undefined) throw rowError(table, row, column, 'a number (regression: model.num_labels is 1)');
    targets[index] = value;
  });
  return targets;
}
