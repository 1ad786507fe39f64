import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DataError } from './errors';
import { parseCsv } from './read-csv';
import { parseJsonl } from './read-jsonl';
import type { RawTable } from './table';

/** Reads a JSON Lines (`.jsonl`, `.json`, `.ndjson`) or `.csv` file into rows; an empty file is an error. */
export async function readTable(file: string): Promise<RawTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(file, 1, 1, 'file not found; check the path (it is relative to the config file)');
    throw error;
  }
  const table = parseTable(file, text);
  if (table.rows.length === 0) {
    throw new DataError(file, 1, 1, table.format === 'csv' ? 'the file has a header but no data rows' : 'the file is empty; expected one JSON object per line');
  }
  return table;
}

export function parseTable(file: string, text: string): RawTable {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return parseCsv(file, text);
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return parseJsonl(file, text);
  throw new DataError(file, 1, 1, `unknown data format "${ext}"; use .jsonl (one JSON object per line) or .csv (with a header row)`);
}
