/**
 * Reading the hub cache that Python's huggingface_hub writes (and downloads here write):
 *
 *   <cache>/models--org--name/refs/<revision>            the commit sha the revision pointed to
 *   <cache>/models--org--name/snapshots/<commit>/<path>   relative symlinks into blobs/ (copies without symlinks)
 *   <cache>/models--org--name/blobs/<etag>                 LFS sha256, or the git blob id for small files
 *   <cache>/models--org--name/trees/<commit>.json         the commit's full file list (huggingface_hub >= 1.x)
 *
 * Nothing here touches the network, so the language server can use it.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { COMMIT_SHA, repoFolderName, repoIdFromFolder } from './model-id';
import { isNeededFile } from './files';
import { countParameters } from './safetensors-header';

export interface TreeEntry {
  size: number;
  blob_id: string;
  lfs_sha256?: string;
  lfs_size?: number;
  xet_hash?: string;
}
/** `trees/<commit>.json` as huggingface_hub's _tree_cache.py writes it. */
export interface TreeCacheFile {
  format_version: 1;
  files: Record<string, TreeEntry>;
}

export type CacheLookup =
  | { kind: 'cached'; folder: string; commit: string; repoDir: string }
  | {
      kind: 'missing';
      /** no-repo: nothing of the model is cached; no-revision: the model is, this revision is not; incomplete: files lack. */
      reason: 'no-repo' | 'no-revision' | 'incomplete';
      repoDir: string;
      commit?: string;
      folder?: string;
      /** Files the snapshot needs and does not have (empty when the revision itself is unknown). */
      missing: string[];
      /** The revisions that are cached (refs and snapshot shas), for messages. */
      cachedRevisions: string[];
    };

export function repoDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, repoFolderName(repoId));
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** refs/ as {revision: commit}; nested refs such as refs/pr/1 keep their slash. */
export function readRefs(dir: string): Record<string, string> {
  const refs: Record<string, string> = {};
  const walk = (folder: string, prefix: string) => {
    for (const name of listDir(folder)) {
      const path = join(folder, name);
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path, `${prefix}${name}/`);
      else if (!name.endsWith('.tmp')) {
        const commit = readText(path)?.trim();
        if (commit) refs[`${prefix}${name}`] = commit;
      }
    }
  };
  walk(join(dir, 'refs'), '');
  return refs;
}

export function readTreeCache(dir: string, commit: string): TreeCacheFile | undefined {
  const text = readText(join(dir, 'trees', `${commit}.json`));
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as TreeCacheFile;
    return parsed.format_version === 1 && typeof parsed.files === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A snapshot file that exists and, for a symlink, whose blob exists (a broken link is missing). */
function isPresent(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * The files a snapshot must hold for a fine-tune. With the commit's tree listing this is exact;
 * without one (older Python, partial copies) it is config.json plus the weights the index names.
 */
export function expectedFiles(dir: string, commit: string, folder: string): string[] {
  const tree = readTreeCache(dir, commit);
  if (tree) return Object.keys(tree.files).filter(isNeededFile).sort();
  const expected = ['config.json'];
  const indexText = readText(join(folder, 'model.safetensors.index.json'));
  if (indexText !== undefined) {
    expected.push('model.safetensors.index.json');
    try {
      const index = JSON.parse(indexText) as { weight_map?: Record<string, string> };
      expected.push(...new Set(Object.values(index.weight_map ?? {})));
    } catch {
      // A malformed index is the loader's to report, with its position.
    }
  } else if (!listDir(folder).some((name) => name.endsWith('.safetensors'))) {
    expected.push('model.safetensors');
  }
  return expected.sort();
}

/**
 * Looks a model up in the cache as `hf_hub_download(local_files_only=True)` does: the revision
 * through refs/ (or as a commit sha), then the snapshot, then every file a fine-tune needs.
 */
export function resolveCached(repoId: string, revision: string, cacheDir: string): CacheLookup {
  const dir = repoDir(cacheDir, repoId);
  const refs = readRefs(dir);
  const snapshots = listDir(join(dir, 'snapshots'));
  const cachedRevisions = [...Object.keys(refs), ...snapshots.filter((s) => !Object.values(refs).includes(s))];
  if (!existsSync(dir)) return { kind: 'missing', reason: 'no-repo', repoDir: dir, missing: [], cachedRevisions };
  const commit = refs[revision] ?? (COMMIT_SHA.test(revision) ? revision : undefined);
  if (commit === undefined || !snapshots.includes(commit)) {
    return { kind: 'missing', reason: 'no-revision', repoDir: dir, commit, missing: [], cachedRevisions };
  }
  const folder = join(dir, 'snapshots', commit);
  const missing = expectedFiles(dir, commit, folder).filter((file) => !isPresent(join(folder, file)));
  if (missing.length > 0) return { kind: 'missing', reason: 'incomplete', repoDir: dir, commit, folder, missing, cachedRevisions };
  return { kind: 'cached', folder, commit, repoDir: dir };
}

export interface CachedRevision {
  commit: string;
  /** Refs pointing at this commit (`main`, tags). */
  refs: string[];
  folder: string;
  files: string[];
  /** Bytes of the distinct blobs (or copied files) this revision's files occupy. */
  sizeOnDisk: number;
  modelType?: string;
  architectures?: string[];
  /** From the safetensors headers; undefined when no weights are cached. */
  parameters?: number;
  complete: boolean;
  missing: string[];
  lastModified: number;
}

export interface CachedModel {
  repoId: string;
  repoDir: string;
  /** Bytes of all blobs, shared by revisions (what deleting the model frees). */
  sizeOnDisk: number;
  revisions: CachedRevision[];
}

function listFilesUnder(folder: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of listDir(folder)) {
    const path = join(folder, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...listFilesUnder(path, `${prefix}${name}/`));
    else out.push(`${prefix}${name}`);
  }
  return out.sort();
}

function readConfig(folder: string): { model_type?: string; architectures?: string[] } {
  try {
    return JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { model_type?: string; architectures?: string[] };
  } catch {
    return {};
  }
}

function describeRevision(dir: string, commit: string, refs: Record<string, string>): CachedRevision {
  const folder = join(dir, 'snapshots', commit);
  const files = listFilesUnder(folder);
  // Sizes by the real file (the blob behind a link), counted once per distinct blob, as scan-cache does.
  const seen = new Set<string>();
  let sizeOnDisk = 0;
  let lastModified = 0;
  for (const file of files) {
    const stat = statSync(join(folder, file), { throwIfNoEntry: false });
    if (!stat) continue;
    const key = `${stat.dev}:${stat.ino}`;
    if (!seen.has(key)) {
      seen.add(key);
      sizeOnDisk += stat.size;
    }
    lastModified = Math.max(lastModified, stat.mtimeMs);
  }
  const config = readConfig(folder);
  const weights = files.filter((f) => f.endsWith('.safetensors') && !f.includes('/'));
  const counts = weights.map((f) => countParameters(join(folder, f)));
  const parameters = counts.length > 0 && counts.every((c) => c !== undefined) ? counts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) : undefined;
  const missing = expectedFiles(dir, commit, folder).filter((file) => !isPresent(join(folder, file)));
  return {
    commit,
    refs: Object.entries(refs)
      .filter(([, c]) => c === commit)
      .map(([r]) => r)
      .sort(),
    folder,
    files,
    sizeOnDisk,
    modelType: config.model_type,
    architectures: config.architectures,
    parameters,
    complete: missing.length === 0,
    missing,
    lastModified,
  };
}

function blobsSize(dir: string): number {
  let total = 0;
  for (const name of listDir(join(dir, 'blobs'))) total += statSync(join(dir, 'blobs', name), { throwIfNoEntry: false })?.size ?? 0;
  return total;
}

function copiedBytes(folder: string, files: readonly string[]): number {
  let total = 0;
  for (const file of files) {
    const stat = lstatSync(join(folder, file), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

/** The cached models, like `huggingface-cli scan-cache` (model repos only; datasets and spaces are skipped). */
export function scanCache(cacheDir: string): CachedModel[] {
  const models: CachedModel[] = [];
  for (const name of listDir(cacheDir)) {
    const repoId = repoIdFromFolder(name);
    if (repoId === undefined) continue;
    const dir = join(cacheDir, name);
    const refs = readRefs(dir);
    const revisions = listDir(join(dir, 'snapshots')).map((commit) => describeRevision(dir, commit, refs));
    revisions.sort((a, b) => b.lastModified - a.lastModified);
    // Without symlinks the snapshots hold copies, which count besides blobs/.
    const copies = revisions.reduce((a, r) => a + copiedBytes(r.folder, r.files), 0);
    models.push({ repoId, repoDir: dir, sizeOnDisk: blobsSize(dir) + copies, revisions });
  }
  return models.sort((a, b) => a.repoId.localeCompare(b.repoId));
}
