/** Rows read from a JSONL or CSV file, each remembering where it came from. */
export interface RawRow {
  /** 1-based line where the row starts. */
  readonly line: number;
  readonly values: Readonly<Record<string, unknown>>;
  /** 1-based character column where the named column's value starts (1 when unknown). */
  columnOf(name: string): number;
}

export interface RawTable {
  readonly file: string;
  /** Column names in file order (CSV header; for JSONL, keys in order of first appearance). */
  readonly columns: readonly string[];
  readonly rows: readonly RawRow[];
  readonly format: 'jsonl' | 'csv';
}
