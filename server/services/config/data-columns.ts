/** Column names of a data file for completion, from its head (the parsing lives in src/config). */
import { columnsFromText, COLUMN_HEAD_BYTES } from '../../../src/config/data-columns';
import type { FileAccess } from '../../files';

export function readColumns(files: FileAccess, path: string): string[] {
  const head = files.readTextHead(path, COLUMN_HEAD_BYTES);
  if (head === undefined) return [];
  const size = files.stat(path)?.size;
  return columnsFromText(path, head, size !== undefined && size <= COLUMN_HEAD_BYTES);
}
