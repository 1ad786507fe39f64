/**
 * File access the services need, behind an interface: the server passes a Node implementation
 * (with open editor buffers laid over the disk), tests pass an in-memory one. Paths are absolute
 * file-system paths; every method answers `undefined`/`false` instead of throwing.
 */
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

/** Text of open editor documents, by file path. */
export interface OpenDocumentTexts {
  textOf(path: string): string | undefined;
}

/** Lays the open documents' unsaved text over another file access. */
export function overlayOpenDocuments(base: FileAccess, open: OpenDocumentTexts): FileAccess {
  return {
    readText: (path) => open.textOf(path) ?? base.readText(path),
    readTextHead: (path, maxBytes) => {
      const text = open.textOf(path);
      return text !== undefined ? text.slice(0, maxBytes) : base.readTextHead(path, maxBytes);
    },
    stat: (path) => base.stat(path) ?? (open.textOf(path) !== undefined ? { isDirectory: false, isFile: true, size: 0, mtimeMs: 0 } : undefined),
    listDirectory: (path) => base.listDirectory(path),
  };
}
