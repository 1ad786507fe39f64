/** Column names of a JSONL or CSV data file, read from the head of the file. */

/** Columns of the first JSONL record, or of the CSV header; undefined when they cannot be told. */
export function columnsFromHead(head: string, path: string): string[] | undefined {
  if (/\.csv$/i.test(path)) return csvHeader(head);
  const firstLine = head.split(/\r?\n/).find((line) => line.trim() !== '');
  if (firstLine === undefined) return undefined;
  try {
    const record: unknown = JSON.parse(firstLine);
    return typeof record === 'object' && record !== null && !Array.isArray(record) ? Object.keys(record) : undefined;
  } catch {
    // The head may end mid-record, or the file is not JSONL; then the columns are unknown.
    return undefined;
  }
}

function csvHeader(head: string): string[] | undefined {
  const columns: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < head.length; i++) {
    const ch = head[i];
    if (inQuotes) {
      if (ch === '"' && head[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === ',') {
      columns.push(field.trim());
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      columns.push(field.trim());
      return columns;
    } else field += ch;
  }
  // No line break within the head: the header may be cut off.
  return undefined;
}
