/** FileAccess over the real file system (synchronous: reads are small heads and folder listings). */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
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
    readTextHead(path, maxBytes) {
      let fd: number | undefined;
      try {
        fd = openSync(path, 'r');
        const buffer = Buffer.alloc(Math.max(0, maxBytes));
        const read = readSync(fd, buffer, 0, buffer.length, 0);
        return buffer.subarray(0, read).toString('utf8');
      } catch {
        return undefined;
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
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
