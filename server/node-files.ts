/**
 * FileAccess over the real file system. Only regular files are read, opened without blocking and
 * checked on the descriptor, and at most MAX_READ_BYTES: a config naming /dev/stdin or a FIFO
 * must not hang the server (every later request would go unanswered).
 */
import { readdirSync, statSync } from 'node:fs';
import { readTextHead } from '../src/cli/config-host';
import { MAX_READ_BYTES, readRegularFileSync } from '../src/cli/regular-file';
import type { DirEntry, FileAccess, FileStat } from './files';

export function createNodeFileAccess(): FileAccess {
  return {
    readText: (path) => readRegularFileSync(path, MAX_READ_BYTES, true),
    readTextHead,
    stat(path): FileStat | undefined {
      try {
        const s = statSync(path);
        return { isDirectory: s.isDirectory(), isFile: s.isFile(), size: s.size, mtimeMs: s.mtimeMs };
      } catch {
        return undefined;
      }
    },
    listDirectory(path): DirEntry[] | undefined {
      try {
        return readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, isDirectory: d.isDirectory() }));
      } catch {
        return undefined;
      }
    },
  };
}
