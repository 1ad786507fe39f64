/**
 * Which data files the trainer reads, by extension. One list: the trainer's readers, the validator
 * (a diagnostic at the key) and the messages of both read it.
 */
export const JSONL_EXTENSIONS = ['.jsonl', '.json', '.ndjson'] as const;
export const CSV_EXTENSIONS = ['.csv'] as const;

export type DataFormat = 'jsonl' | 'csv';

/** Lower-case extension with its dot ('' when none), as node:path's extname gives it. */
function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function dataFormatOf(path: string): DataFormat | undefined {
  const ext = extensionOf(path);
  if ((CSV_EXTENSIONS as readonly string[]).includes(ext)) return 'csv';
  if ((JSONL_EXTENSIONS as readonly string[]).includes(ext)) return 'jsonl';
  return undefined;
}

/** Why `path` is not a data file the trainer reads, naming the config key; undefined when its extension is known. */
export function unknownFormatMessage(path: string, key: string): string | undefined {
  if (dataFormatOf(path) !== undefined) return undefined;
  const ext = extensionOf(path);
  const named = ext === '' ? 'a file without an extension' : `"${ext}"`;
  return `${named} is not a data format; ${key} must name a ${JSONL_EXTENSIONS.join(', ')} file (one JSON object per line) or a .csv file (with a header row)`;
}
