import { isAbsolute, relative } from 'node:path';

/** A problem in a data file, located as `file:line:column` (1-based) so editors can jump to it. */
export class DataError extends Error {
  override readonly name = 'DataError';

  constructor(
    /** Path of the data file as given to the reader. */
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** What is wrong and what was expected, without the location. */
    readonly detail: string,
  ) {
    super(`${displayPath(file)}:${line}:${column}: ${detail}`);
  }
}

/** Paths under the working directory are shown relative to it, others as given. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
