/**
 * Column names of a JSONL or CSV data file, read from the head of the file: the CSV header row, or
 * the keys of the first JSONL records. Pure text in, names out: the validator, the language server
 * and the config wizard all read columns through here.
 */

/** How many bytes of a data file are enough to know its columns. */
export const COLUMN_HEAD_BYTES = 64 * 1024;
const JSONL_ROWS = 20;

/** Splits one CSV line into fields (RFC 4180 quoting: `"a ""b"""` is `a "b"`). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** Keys of the first records of JSONL text (a partial last line is skipped unless the text is complete). */
function jsonlKeys(head: string, complete: boolean): string[] {
  const keys = new Set<string>();
  const lines = head.split('\n');
  if (!complete) lines.pop();
  let rows = 0;
  for (const line of lines) {
    if (rows >= JSONL_ROWS) break;
    if (line.trim() === '') continue;
    rows++;
    try {
      const record: unknown = JSON.parse(line);
      if (record && typeof record === 'object' && !Array.isArray(record)) for (const key of Object.keys(record)) keys.add(key);
    } catch {
      // A malformed row gives no keys; the validator reports it.
    }
  }
  return [...keys];
}

/**
 * Columns named in a data file's head. `complete`: the head is the whole file (so a last line
 * without a line break is whole). Empty when nothing can be told.
 */
export function columnsFromText(path: string, head: string, complete: boolean): string[] {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  if (path.toLowerCase().endsWith('.csv')) {
    const end = text.search(/\r?\n/);
    const header = end < 0 ? (complete ? text : '') : text.slice(0, end);
    return header === '' ? [] : splitCsvLine(header).filter((c) => c !== '');
  }
  return jsonlKeys(text, complete);
}

/**
 * The string labels of `column` in the first rows of a data file's head (a CSV with its header row,
 * or JSONL), for checks against a checkpoint's label names. Integer labels are class ids, not
 * names, and are left out, as the trainer reads them; a JSONL list (multi-label) gives its names.
 */
export function labelNamesFromHead(path: string, head: string, column: string, maxRows = 200): string[] {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const lines = text.split(/\r?\n/).slice(0, maxRows + 1);
  // The last line of a head may be cut: it is not read.
  if (lines.length > 1) lines.pop();
  const names = new Set<string>();
  const add = (value: unknown) => {
    for (const name of Array.isArray(value) ? value : [value]) if (typeof name === 'string' && name !== '' && !/^-?\d+$/.test(name.trim())) names.add(name);
  };
  if (path.toLowerCase().endsWith('.csv')) {
    const at = splitCsvLine(lines.shift() ?? '').indexOf(column);
    if (at < 0) return [];
    for (const line of lines) if (line.trim() !== '') add(splitCsvLine(line)[at]);
    return [...names];
  }
  for (const line of lines) {
    try {
      const record: unknown = JSON.parse(line);
      if (record && typeof record === 'object' && !Array.isArray(record)) add((record as Record<string, unknown>)[column]);
    } catch {
      // A malformed row: the validator and the run report it.
    }
  }
  return [...names];
}

/** Columns of a head read with at most `maxBytes`; undefined when they cannot be told. */
export function columnsFromHead(head: string, path: string, maxBytes = COLUMN_HEAD_BYTES): string[] | undefined {
  const columns = columnsFromText(path, head, head.length < maxBytes);
  return columns.length > 0 ? columns : undefined;
}
