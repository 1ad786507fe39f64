/**
 * File access the services need, behind an interface: the server passes a Node implementation
 * (with open editor buffers laid over the disk), tests pass an in-memory one. Paths are absolute
 * file-system paths; every method answers `undefined`/`false` instead of throwing.
 */
export type { DirEntry, FileAccess, FileStat } from '../src/cli/file-access';
import type { FileAccess } from '../src/cli/file-access';

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
