import { DataError } from './errors';
import type { RawRow, RawTable } from './table';

/** Parses JSON Lines: one object per non-blank line. A UTF-8 byte-order mark is dropped, as the CSV reader does. */
export function parseJsonl(file: string, text: string): RawTable {
  const rows: RawRow[] = [];
  const columns = new Set<string>();
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      const message = (error as Error).message;
      throw new DataError(file, line, jsonErrorColumn(message, raw), `invalid JSON: ${message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(file, line, 1, `expected a JSON object per line, got ${Array.isArray(value) ? 'an array' : typeof value}`);
    }
    const values = value as Record<string, unknown>;
    for (const key of Object.keys(values)) columns.add(key);
    rows.push({ line, values, columnOf: (name) => keyValueColumn(raw, name) });
  }
  return { file, columns: [...columns], rows, format: 'jsonl' };
}

/** Reads V8's "at position N" (or "line L column C") from a JSON.parse error. */
function jsonErrorColumn(message: string, raw: string): number {
  const lineColumn = /line \d+ column (\d+)/.exec(message);
  if (lineColumn) return Number(lineColumn[1]);
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]) + 1;
  if (/end of JSON input/.test(message)) return raw.length + 1;
  return 1;
}

/** Where `"name": value` has its value in the raw line; 1 when the key is not found. */
function keyValueColumn(raw: string, name: string): number {
  const key = JSON.stringify(name);
  const keyAt = raw.indexOf(key);
  if (keyAt < 0) return 1;
  const after = /^\s*:\s*/.exec(raw.slice(keyAt + key.length));
  return keyAt + key.length + (after ? after[0].length : 0) + 1;
}
