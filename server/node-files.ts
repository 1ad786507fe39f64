/** FileAccess over the real file system (synchronous: reads are small heads and folder listings). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readTextHead } from '../src/cli/config-host';
import type { DirEntry, FileAccess, FileStat } from './files';

export function createNodeFileAccess(): FileAccess {
  return {
    readText(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    readTextHead,
    stat(path): FileStat | undefined {
      try {
        const s = statSync(path);
        return { isDirectory: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs };
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
