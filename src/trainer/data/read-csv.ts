import { parse } from 'csv-parse/sync';
import { DataError } from './errors';
import type { RawRow, RawTable } from './table';

interface CsvRecord {
  record: string[];
  raw: string;
  info: { lines: number };
}

/** Parses CSV with a header row. Values stay strings; the caller decides what is numeric. */
export function parseCsv(file: string, text: string): RawTable {
  let records: CsvRecord[];
  try {
    records = parse(text, { info: true, raw: true, skip_empty_lines: true, bom: true, relax_column_count: false }) as unknown as CsvRecord[]; // the info+raw options change the record shape
  } catch (error) {
    const csvError = error as Error & { lines?: number; code?: string };
    throw new DataError(file, csvError.lines ?? 1, 1, `invalid CSV: ${csvError.message}`);
  }
  if (records.length === 0) throw new DataError(file, 1, 1, 'the file is empty; expected a header row and data rows');
  const [header, ...body] = records;
  const columns = header.record.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) throw new DataError(file, startLine(header), 1, `duplicate column "${name}" in the header`);
    seen.add(name);
  }
  const rows: RawRow[] = body.map((entry) => {
    const values: Record<string, string> = {};
    columns.forEach((name, i) => (values[name] = entry.record[i]));
    const starts = fieldStartColumns(entry.raw);
    return {
      line: startLine(entry),
      values,
      columnOf: (name) => {
        const index = columns.indexOf(name);
        return index >= 0 && index < starts.length ? starts[index] : 1;
      },
    };
  });
  return { file, columns, rows, format: 'csv' };
}

/** csv-parse reports the line a record ends on; a quoted field may span lines. */
function startLine(entry: CsvRecord): number {
  const newlines = entry.raw.replace(/\r?\n$/, '').split('\n').length - 1;
  return entry.info.lines - newlines;
}

/** 1-based column of each field's first character in a raw record (comma-delimited, `"` quotes). */
function fieldStartColumns(raw: string): number[] {
  const starts = [1];
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '"') quoted = !quoted; // an escaped "" toggles twice
    else if (ch === ',' && !quoted) starts.push(i + 2);
    else if (ch === '\n' && !quoted) break;
  }
  return starts;
}
