import { constants as bufferConstants } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dataFormatOf, unknownFormatMessage, type DataFormat } from '../../config/data-formats';
import { DataError } from './errors';
import { parseCsv } from './read-csv';
import { parseJsonl } from './read-jsonl';
import type { RawTable } from './table';

/**
 * The largest data file read: the longest string V8 can hold (about 512 MiB on 64-bit). A larger
 * file would fail deep inside the read with "Invalid string length".
 */
export const MAX_DATA_FILE_BYTES = bufferConstants.MAX_STRING_LENGTH;

export interface ReadTableOptions {
  /** The config key that names the file (`data.train_file`), for messages that say what to change. */
  key?: string;
  /** Refuse files larger than this (default MAX_DATA_FILE_BYTES). */
  maxBytes?: number;
}

/**
 * Reads a JSON Lines (`.jsonl`, `.json`, `.ndjson`) or `.csv` file into rows; an empty file is an error.
 * Only regular files are read: a folder, a device or a FIFO is refused before it is opened (opening a
 * FIFO blocks until a writer comes; /dev/zero never ends).
 */
export async function readTable(file: string, options: ReadTableOptions = {}): Promise<RawTable> {
  const key = options.key ?? 'the data file setting';
  const maxBytes = options.maxBytes ?? MAX_DATA_FILE_BYTES;
  checkStats(file, await statOrFail(file), key, maxBytes);
  formatOf(file, key);
  let text: string;
  const handle = await open(file, 'r');
  try {
    // The path may have been replaced between stat and open: check what was opened.
    checkStats(file, await handle.stat(), key, maxBytes);
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const table = parseTable(file, text, key);
  if (table.rows.length === 0) {
    throw new DataError(file, 1, 1, table.format === 'csv' ? 'the file has a header but no data rows' : 'the file is empty; expected one JSON object per line');
  }
  return table;
}

async function statOrFail(file: string): Promise<Stats> {
  try {
    return await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DataError(file, 1, 1, 'file not found; check the path (it is relative to the config file)');
    if (code === 'EACCES' || code === 'EPERM') throw new DataError(file, 1, 1, 'permission denied: the file cannot be read; check its permissions');
    throw error;
  }
}

function checkStats(file: string, stats: Stats, key: string, maxBytes: number): void {
  if (stats.isDirectory()) throw new DataError(file, 1, 1, `is a folder, not a data file; set ${key} to a .jsonl or .csv file`);
  if (!stats.isFile()) {
    throw new DataError(file, 1, 1, `is not a regular file (a device, FIFO or socket), so it is not read; set ${key} to a .jsonl or .csv file on disk`);
  }
  if (stats.size > maxBytes) {
    throw new DataError(file, 1, 1, `the file is ${formatBytes(stats.size)}, over the limit of ${formatBytes(maxBytes)} that one data file may have; split it, or sample it for ${key}`);
  }
}

function formatOf(file: string, key: string): DataFormat {
  const format = dataFormatOf(file);
  if (format === undefined) throw new DataError(file, 1, 1, unknownFormatMessage(file, key) ?? 'unknown data format');
  return format;
}

export function parseTable(file: string, text: string, key = 'the data file setting'): RawTable {
  return formatOf(file, key) === 'csv' ? parseCsv(file, text) : parseJsonl(file, text);
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
