/**
 * File access that config validation and the language server's services need, behind an
 * interface (tests pass an in-memory one), and its implementation over the real file system.
 * Only regular files are read, opened without blocking and checked on the descriptor, and at most MAX_READ_BYTES: a config naming /dev/stdin or a FIFO
 * must not hang the server (every later request would go unanswered).
 */
import { readdirSync, statSync } from 'node:fs';
import { MAX_READ_BYTES, readRegularFileSync } from './regular-file';

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

export interface FileStat {
  isDirectory: boolean;
  /** False for folders and for devices, FIFOs and sockets (never read: they can block forever). */
  isFile: boolean;
  size: number;
  mtimeMs: number;
}

export interface FileAccess {
  /** Whole text of a regular file, or undefined when it cannot be read, is not a regular file, or is too large. */
  readText(path: string): string | undefined;
  /** The first `maxBytes` bytes of a text file (decoded as UTF-8), or undefined. */
  readTextHead(path: string, maxBytes: number): string | undefined;
  stat(path: string): FileStat | undefined;
  /** Entries of a folder, or undefined when it is not a readable folder. */
  listDirectory(path: string): DirEntry[] | undefined;
}

export function createNodeFileAccess(): FileAccess {
  return {
    readText: (path) => readRegularFileSync(path, MAX_READ_BYTES, true),
    readTextHead: (path, maxBytes) => readRegularFileSync(path, maxBytes),
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
