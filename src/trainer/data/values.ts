import { DataError } from './errors';
import type { RawRow, RawTable } from './table';

/** A finite number from a JSON number or a numeric CSV string; undefined otherwise. */
export function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** How a value is quoted in an error message: strings in quotes, others as JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  return typeof value === 'string' ? JSON.stringify(value) : `${JSON.stringify(value)}`;
}

export function rowError(table: RawTable, row: RawRow, column: string, expected: string): DataError {
  const value = row.values[column];
  const what = value === undefined ? `column "${column}" is missing` : `column "${column}" is ${describeValue(value)}`;
  return new DataError(table.file, row.line, row.columnOf(column), `${what}, expected ${expected}`);
}

/** Fails at line 1 when a CSV header or every JSONL row lacks the column. */
export function requireColumn(table: RawTable, column: string, configKey: string): void {
  if (table.columns.includes(column)) return;
  throw new DataError(
    table.file,
    1,
    1,
    `no column "${column}"; the columns are ${table.columns.map((c) => `"${c}"`).join(', ')}. Set ${configKey} to one of them`,
  );
}
