/**
 * Reading files a config names, safely: only regular files are read, and at most a cap. A path
 * such as `/dev/stdin`, a FIFO or `/dev/zero` would block or never end; it is opened without
 * blocking (O_NONBLOCK), checked on the open descriptor (no race with a swap after a stat) and
 * refused. Used by the CLI's config host and the language server's file access.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

export type FileKind = 'file' | 'directory' | 'other';

/** Whether `path` is a regular file, a folder or something else (device, FIFO, socket); undefined when it does not exist. */
export function fileKindSync(path: string): FileKind | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

/** Bytes read from a data file to count its rows, at most: a larger one is not counted (its checks are skipped). */
export const MAX_READ_BYTES = 256 * 1024 * 1024;

/**
 * The first `maxBytes` bytes of a regular file as UTF-8 (all of it when `whole` and it fits),
 * or undefined when it is not a regular file, cannot be read, or (`whole`) is larger than `maxBytes`.
 */
export function readRegularFileSync(path: string, maxBytes: number, whole = false): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile() || (whole && stat.size > maxBytes)) return undefined;
    const buffer = Buffer.alloc(Math.max(0, Math.min(maxBytes, stat.size)));
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
