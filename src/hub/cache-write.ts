/**
 * Writing into the hub cache in the layout huggingface_hub's file_download.py uses, so Python
 * reads what is downloaded here as its own: blobs/<etag>, snapshots/<commit>/<path> as relative
 * symlinks (copies where the file system refuses symlinks), refs/<revision>, trees/<commit>.json.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TreeCacheFile } from './cache';

export function blobPath(repoDir: string, etag: string): string {
  return join(repoDir, 'blobs', etag);
}

export function snapshotPath(repoDir: string, commit: string, file: string): string {
  return join(repoDir, 'snapshots', commit, ...file.split('/'));
}

/** Error codes of file systems without symlinks (FAT, some network shares, Windows without the privilege). */
const NO_SYMLINK_CODES = new Set(['EPERM', 'EACCES', 'ENOSYS', 'ENOTSUP', 'EOPNOTSUPP', 'EINVAL']);

/**
 * Points snapshots/<commit>/<file> at the blob with a relative link, as Python's _create_symlink.
 * Where symlinks fail: a blob new to this download is moved into the snapshot (Python does the
 * same, so no byte is stored twice), an older one is copied. Returns how the file was placed.
 */
export function linkIntoSnapshot(
  repoDir: string,
  commit: string,
  file: string,
  etag: string,
  options: { newBlob: boolean; symlinks?: boolean },
): 'symlink' | 'moved' | 'copied' {
  const blob = blobPath(repoDir, etag);
  const target = snapshotPath(repoDir, commit, file);
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { force: true });
  if (options.symlinks !== false) {
    try {
      symlinkSync(relative(dirname(target), blob), target);
      return 'symlink';
    } catch (error) {
      if (!NO_SYMLINK_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  if (options.newBlob) {
    renameSync(blob, target);
    return 'moved';
  }
  copyFileSync(blob, target);
  return 'copied';
}

/** Writes a small file atomically (temp file + rename), so a concurrent reader never sees half of it. */
function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** refs/<revision> = commit, unless the revision is the commit itself (Python writes no ref then). */
export function writeRef(repoDir: string, revision: string, commit: string): void {
  if (revision === commit) return;
  const path = join(repoDir, 'refs', ...revision.split('/'));
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== commit) writeAtomic(path, commit);
}

/** trees/<commit>.json in _tree_cache.py's format (indent 1, sorted), so Python can use it too. */
export function writeTreeCache(repoDir: string, commit: string, tree: TreeCacheFile): void {
  const files = Object.fromEntries(Object.keys(tree.files).sort().map((k) => [k, tree.files[k]]));
  writeAtomic(join(repoDir, 'trees', `${commit}.json`), JSON.stringify({ format_version: 1, files }, null, 1));
}
