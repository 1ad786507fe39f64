/** An in-memory FileAccess for service tests: a map of absolute POSIX paths to file texts. */
import { posix } from 'node:path';
import type { DirEntry, FileAccess } from '../../../server/files';

export function createMemoryFiles(files: Record<string, string>, mtimeMs = 1): FileAccess {
  const byPath = new Map(Object.entries(files).map(([p, t]) => [posix.normalize(p), t]));
  const isDir = (path: string) => {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return [...byPath.keys()].some((p) => p.startsWith(prefix));
  };
  return {
    readText: (path) => byPath.get(posix.normalize(path)),
    readTextHead: (path, maxBytes) => byPath.get(posix.normalize(path))?.slice(0, maxBytes),
    stat(path) {
      const normal = posix.normalize(path);
      const text = byPath.get(normal);
      if (text !== undefined) return { isDirectory: false, isFile: true, size: Buffer.byteLength(text), mtimeMs };
      return isDir(normal) ? { isDirectory: true, isFile: false, size: 0, mtimeMs } : undefined;
    },
    listDirectory(path) {
      const normal = posix.normalize(path);
      if (!isDir(normal)) return undefined;
      const prefix = normal.endsWith('/') ? normal : `${normal}/`;
      const entries = new Map<string, DirEntry>();
      for (const p of byPath.keys()) {
        if (!p.startsWith(prefix)) continue;
        const [name, ...rest] = p.slice(prefix.length).split('/');
        entries.set(name, { name, isDirectory: rest.length > 0 });
      }
      return [...entries.values()];
    },
  };
}
