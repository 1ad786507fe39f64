/**
 * Downloads the files a fine-tune needs into the Python-compatible hub cache.
 *
 * Through @huggingface/hub: `modelInfo` (the revision's commit sha), `listFiles` (the tree at that
 * commit, with LFS sha256 and git blob ids) and `downloadFile` (the resolve request and the body,
 * `slice` for a resumed range). What the library lacks is added here: the cache layout, resuming
 * `<blob>.incomplete`, hash checks, retries, a stall timeout, offline mode and the token file.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { downloadFile, fileDownloadInfo, listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub';
import { resolveCached, repoDir as repoDirOf, type CacheLookup, type TreeEntry } from './cache';
import { blobPath, linkIntoSnapshot, snapshotPath, writeRef, writeTreeCache } from './cache-write';
import { HubError, loginHint } from './errors';
import { checkRepoFiles, isNeededFile } from './files';
import { COMMIT_SHA, formatModelId, parseModelId, type ModelId } from './model-id';
import type { TokenSource } from './env';

export interface DownloadProgress {
  file: string;
  fileBytes: number;
  fileTotal: number;
  /** Bytes received in this download so far, all files. */
  bytes: number;
  /** Bytes this download fetches in all (files already cached excluded). */
  total: number;
  /** Bytes per second since the download started. */
  rate: number;
  /** Seconds left at that rate; undefined before any byte arrived. */
  etaSeconds?: number;
}

export interface HubOptions {
  cacheDir: string;
  endpoint: string;
  token?: TokenSource;
  /** HF_HUB_OFFLINE / --offline: the cache only, never the network. */
  offline?: boolean;
  /** Use symlinks in snapshots (default); false copies, as on file systems without them. */
  symlinks?: boolean;
}

export interface DownloadOptions extends HubOptions {
  /** Ask the Hub where the revision points even when the cache has it (the `download` command). */
  refresh?: boolean;
  fetch?: typeof fetch;
  /** Tries per request before giving up (dropped connections, 5xx, stalls, corrupt bodies). */
  maxAttempts?: number;
  retryDelayMs?: number;
  /** A transfer that receives nothing for this long is abandoned (HF_HUB_DOWNLOAD_TIMEOUT). */
  idleTimeoutMs?: number;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface DownloadResult {
  repoId: string;
  revision: string;
  commit: string;
  folder: string;
  /** Files fetched over the network by this call. */
  downloaded: string[];
  /** Needed files that were already in the cache. */
  reused: string[];
  bytes: number;
  /** True when the cache answered and no request was made. */
  fromCache: boolean;
}

/** The message for a model that is not usable from the cache alone. */
export function describeMissing(id: ModelId, lookup: Extract<CacheLookup, { kind: 'missing' }>, cacheDir: string): string {
  const name = formatModelId(id);
  switch (lookup.reason) {
    case 'no-repo':
      return `${name} is not in the Hugging Face cache (${cacheDir})`;
    case 'no-revision': {
      const cached = lookup.cachedRevisions.length > 0 ? `cached: ${lookup.cachedRevisions.join(', ')}` : 'no revision is cached';
      return `revision '${id.revision}' of ${id.repoId} is not in the cache (${cached})`;
    }
    case 'incomplete':
      return `the cached snapshot of ${name} (${lookup.folder}) lacks ${lookup.missing.join(', ')}`;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}

/**
 * A Hub download session: the fetch it uses (token, cancellation, the X-Error-Code of failed
 * responses, which @huggingface/hub's errors drop) and the mapping of failures to messages.
 */
class Session {
  readonly errorCodes = new Map<string, string>();
  constructor(
    readonly id: ModelId,
    readonly options: DownloadOptions,
  ) {}

  /** `failed` receives the status of the last failed response (WebBlob.stream() keeps only a message). */
  fetchWith(signal?: AbortSignal, failed?: { status?: number }): typeof fetch {
    const base = this.options.fetch ?? fetch;
    const signals = [this.options.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    return async (input, init) => {
      const headers = new Headers(init?.headers);
      if (this.options.token) headers.set('Authorization', `Bearer ${this.options.token.token}`);
      const response = await base(input, { ...init, headers, signal: signals.length ? AbortSignal.any(signals) : undefined });
      const code = response.headers.get('X-Error-Code');
      if (!response.ok && code) this.errorCodes.set(response.url || String(input), code);
      if (!response.ok && failed) failed.status = response.status;
      return response;
    };
  }

  /** Turns what fetch or the library threw into a HubError naming the model and file. */
  toHubError(error: unknown, file?: string, detail?: string): HubError {
    if (error instanceof HubError) return error;
    const { repoId, revision } = this.id;
    const endpoint = this.options.endpoint;
    const where = file ? `${file} of ${repoId}` : repoId;
    if (this.options.signal?.aborted) return new HubError('cancelled', `Download of ${where} cancelled`, repoId, file);
    const status = (error as { statusCode?: number }).statusCode;
    const url = (error as { url?: string }).url;
    const xCode = url ? this.errorCodes.get(url) : undefined;
    if (status === 401 || status === 403 || xCode === 'GatedRepo') {
      return new HubError(
        'gated',
        `${repoId} is gated or private (HTTP ${status} from ${endpoint}), or does not exist. ${loginHint(endpoint, repoId, this.options.token?.from)}`,
        repoId,
        file,
      );
    }
    if (status === 404 || xCode) {
      if (xCode === 'RevisionNotFound') {
        return new HubError('revision-not-found', `revision '${revision}' of ${repoId} does not exist on ${endpoint}: check the branch, tag or commit sha after '@'`, repoId);
      }
      if (xCode === 'EntryNotFound' || file) {
        return new HubError('file-missing', `${where} is not on ${endpoint} at revision ${revision} (HTTP 404)`, repoId, file);
      }
      return new HubError('not-found', `${repoId} does not exist on ${endpoint} (HTTP 404): check the id's spelling (org/name), or give a local folder that exists`, repoId);
    }
    const what = file ? `Downloading ${where}` : `Asking ${endpoint} about ${repoId}`;
    const partial = file ? ' The partial file is kept as <blob>.incomplete and the next run resumes it.' : '';
    if (status !== undefined && status >= 500) {
      return new HubError('server', `${what} failed${detail ? ` ${detail}` : ''}: the Hub answered HTTP ${status}. Try again later, or set HF_ENDPOINT to a mirror.${partial}`, repoId, file);
    }
    const code = errorCode(error);
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `nothing arrived for ${(this.options.idleTimeoutMs ?? 10_000) / 1000} s (HF_HUB_DOWNLOAD_TIMEOUT)`
        : (error as Error).message === 'terminated' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET'
          ? 'the connection was closed early'
          : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? `cannot connect to ${endpoint} (${code})`
            : (code ?? (error as Error).message ?? String(error));
    return new HubError(
      'network',
      `${what} failed${detail ? ` ${detail}` : ''}: ${reason}. Check the network or proxy, set HF_ENDPOINT for a mirror, or use a cached model with HF_HUB_OFFLINE=1.${partial}`,
      repoId,
      file,
    );
  }

  /** Runs a metadata request (given a fetch with a timeout) with retries on network errors and 5xx. */
  async withRetries<T>(run: (fetchFn: typeof fetch) => Promise<T>, file?: string): Promise<T> {
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(this.fetchWith(AbortSignal.timeout(this.options.idleTimeoutMs ?? 10_000)));
      } catch (error) {
        const mapped = this.toHubError(error, file);
        if (attempt >= attempts || (mapped.kind !== 'network' && mapped.kind !== 'server')) throw mapped;
        await sleep((this.options.retryDelayMs ?? 1000) * attempt, this.options.signal);
      }
    }
  }
}

/** What the blob of a tree entry must hash to: its LFS sha256, or its git blob id (sha1 of "blob <size>\0" + bytes). */
function blobHasher(entry: ListFileEntry): { hash: Hash; expected: string; etag: string } {
  if (entry.lfs) return { hash: createHash('sha256'), expected: entry.lfs.oid, etag: entry.lfs.oid };
  const hash = createHash('sha1');
  hash.update(`blob ${entry.size}\0`);
  return { hash, expected: entry.oid ?? '', etag: entry.oid ?? '' };
}

function fileSize(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

async function hashExisting(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

interface Totals {
  /** Bytes of this download that are on disk (resumed parts included). */
  done: number;
  total: number;
  /** Bytes that came over the network, for the rate. */
  fetched: number;
  started: number;
}

/** WebBlob.stream() reports a failed response as its message string only; restore the status. */
function fromStreamError(error: unknown, status: number | undefined): unknown {
  if (typeof error !== 'string') return error;
  return Object.assign(new Error(error), status !== undefined ? { statusCode: status } : {});
}

/** Fetches one blob into blobs/<etag>: resumes <etag>.incomplete, verifies the hash, renames only when whole. */
async function fetchBlob(session: Session, dir: string, commit: string, entry: ListFileEntry, totals: Totals): Promise<void> {
  const { options, id } = session;
  const now = options.now ?? Date.now;
  const size = entry.lfs?.size ?? entry.size;
  const { etag } = blobHasher(entry);
  const blob = blobPath(dir, etag);
  const incomplete = `${blob}.incomplete`;
  mkdirSync(`${dir}/blobs`, { recursive: true });
  const attempts = options.maxAttempts ?? 3;
  const idleMs = options.idleTimeoutMs ?? 10_000;
  const repo = { type: 'model' as const, name: id.repoId };
  let lastError: HubError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep((options.retryDelayMs ?? 1000) * (attempt - 1), options.signal);
    const { hash, expected } = blobHasher(entry);
    let offset = fileSize(incomplete) ?? 0;
    if (offset > size) {
      rmSync(incomplete, { force: true });
      offset = 0;
    }
    if (offset > 0) await hashExisting(incomplete, hash);
    totals.done += offset;
    // A watchdog, re-armed by every chunk: a transfer that stalls is aborted, not awaited forever.
    const stall = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(new DOMException('stalled', 'TimeoutError')), idleMs);
    };
    const failed: { status?: number } = {};
    const fetchFn = session.fetchWith(stall.signal, failed);
    const handle = await open(incomplete, 'a');
    let received = offset;
    try {
      rearm();
      const info = await fileDownloadInfo({ repo, path: entry.path, revision: commit, hubUrl: options.endpoint, fetch: fetchFn });
      if (!info) throw new HubError('file-missing', `${entry.path} of ${id.repoId} is listed at commit ${commit} but ${options.endpoint} answers 404 for it`, id.repoId, entry.path);
      if (offset < size) {
        const remote = await downloadFile({ repo, path: entry.path, revision: commit, hubUrl: options.endpoint, fetch: fetchFn, xet: false, downloadInfo: info });
        if (!remote) throw new HubError('file-missing', `${entry.path} of ${id.repoId} disappeared from ${options.endpoint}`, id.repoId, entry.path);
        const reader = (offset > 0 ? remote.slice(offset) : remote).stream().getReader();
        for (;;) {
          rearm();
          const chunk = await reader.read();
          if (chunk.done) break;
          hash.update(chunk.value);
          await handle.write(chunk.value);
          received += chunk.value.byteLength;
          totals.done += chunk.value.byteLength;
          totals.fetched += chunk.value.byteLength;
          const rate = totals.fetched / (Math.max(now() - totals.started, 1) / 1000);
          options.onProgress?.({
            file: entry.path,
            fileBytes: received,
            fileTotal: size,
            bytes: totals.done,
            total: totals.total,
            rate,
            etaSeconds: rate > 0 ? (totals.total - totals.done) / rate : undefined,
          });
        }
      }
    } catch (error) {
      totals.done -= received; // counted again when the retry rehashes the kept part
      const cause = stall.signal.aborted ? stall.signal.reason : fromStreamError(error, failed.status);
      lastError = session.toHubError(cause, entry.path, `at ${received} of ${size} bytes`);
      if (lastError.kind !== 'network' && lastError.kind !== 'server') throw lastError;
      continue;
    } finally {
      clearTimeout(timer);
      await handle.close();
    }
    const digest = hash.digest('hex');
    if (received !== size || digest !== expected) {
      // A body of the wrong length or content is never kept: the next attempt starts from zero.
      rmSync(incomplete, { force: true });
      totals.done -= received;
      lastError = new HubError(
        'integrity',
        `${entry.path} of ${id.repoId}: the downloaded bytes do not match the Hub's ${entry.lfs ? 'LFS sha256' : 'git blob id'} ` +
          `(expected ${expected}, ${size} bytes; got ${digest}, ${received} bytes) and were deleted. ` +
          'Try again; if it persists, a proxy or mirror (HF_ENDPOINT) is altering the file.',
        id.repoId,
        entry.path,
      );
      continue;
    }
    renameSync(incomplete, blob);
    return;
  }
  throw lastError ?? new HubError('network', `Downloading ${entry.path} of ${id.repoId} failed`, id.repoId, entry.path);
}

/**
 * Resolves a Hub id to a local snapshot folder, downloading what is missing unless offline.
 * A revision that the cache holds complete is used without any request (unless `refresh`).
 */
export async function downloadModel(idText: string | ModelId, options: DownloadOptions): Promise<DownloadResult> {
  const parsed = typeof idText === 'string' ? parseModelId(idText) : idText;
  if (typeof parsed === 'string') throw new HubError('invalid-id', parsed);
  const id = parsed;
  const dir = repoDirOf(options.cacheDir, id.repoId);
  const lookup = resolveCached(id.repoId, id.revision, options.cacheDir);
  const base = { repoId: id.repoId, revision: id.revision, downloaded: [], reused: [], bytes: 0 };
  if (lookup.kind === 'cached' && (!options.refresh || options.offline)) {
    return { ...base, commit: lookup.commit, folder: lookup.folder, fromCache: true };
  }
  if (options.offline) {
    if (lookup.kind === 'cached') return { ...base, commit: lookup.commit, folder: lookup.folder, fromCache: true };
    throw new HubError(
      'offline-missing',
      `${describeMissing(id, lookup, options.cacheDir)}, and offline mode (HF_HUB_OFFLINE=1 or --offline) forbids downloading. ` +
        `Run \`finetune-studio download ${formatModelId(id)}\` where the Hub is reachable, or unset HF_HUB_OFFLINE.`,
      id.repoId,
    );
  }

  const session = new Session(id, options);
  const repo = { type: 'model' as const, name: id.repoId };
  const commit = COMMIT_SHA.test(id.revision)
    ? id.revision
    : (
        await session.withRetries((fetchFn) =>
          modelInfo({ name: id.repoId, revision: id.revision, hubUrl: options.endpoint, fetch: fetchFn, additionalFields: ['sha'] }),
        )
      ).sha;
  if (typeof commit !== 'string' || !COMMIT_SHA.test(commit)) {
    throw new HubError('server', `${options.endpoint} gave no commit sha for ${formatModelId(id)}; is HF_ENDPOINT a Hub (or mirror) URL?`, id.repoId);
  }
  const afterRefresh = resolveCached(id.repoId, commit, options.cacheDir);
  if (afterRefresh.kind === 'cached') {
    writeRef(dir, id.revision, commit);
    return { ...base, commit, folder: afterRefresh.folder, fromCache: false };
  }

  const entries = await session.withRetries(async (fetchFn) => {
    const all: ListFileEntry[] = [];
    for await (const entry of listFiles({ repo, revision: commit, recursive: true, hubUrl: options.endpoint, fetch: fetchFn })) {
      if (entry.type === 'file') all.push(entry);
    }
    return all;
  });
  const problem = checkRepoFiles(entries.map((e) => e.path));
  if (problem) throw new HubError('no-weights', `${formatModelId(id)} cannot be fine-tuned here: ${problem}`, id.repoId);

  const tree: Record<string, TreeEntry> = {};
  for (const e of entries) {
    tree[e.path] = { size: e.size, blob_id: e.oid ?? '', ...(e.lfs ? { lfs_sha256: e.lfs.oid, lfs_size: e.lfs.size } : {}), ...(e.xetHash ? { xet_hash: e.xetHash } : {}) };
  }
  writeTreeCache(dir, commit, { format_version: 1, files: tree });
  writeRef(dir, id.revision, commit);

  const needed = entries.filter((e) => isNeededFile(e.path));
  const todo: ListFileEntry[] = [];
  const reused: string[] = [];
  for (const entry of needed) {
    const size = entry.lfs?.size ?? entry.size;
    const etag = entry.lfs?.oid ?? entry.oid ?? '';
    if (fileSize(snapshotPath(dir, commit, entry.path)) === size) reused.push(entry.path);
    else if (fileSize(blobPath(dir, etag)) === size) {
      linkIntoSnapshot(dir, commit, entry.path, etag, { newBlob: false, symlinks: options.symlinks });
      reused.push(entry.path);
    } else todo.push(entry);
  }
  const totals: Totals = { done: 0, fetched: 0, total: todo.reduce((a, e) => a + (e.lfs?.size ?? e.size), 0), started: (options.now ?? Date.now)() };
  for (const entry of todo) {
    await fetchBlob(session, dir, commit, entry, totals);
    linkIntoSnapshot(dir, commit, entry.path, entry.lfs?.oid ?? entry.oid ?? '', { newBlob: true, symlinks: options.symlinks });
  }
  return {
    ...base,
    commit,
    folder: `${dir}/snapshots/${commit}`,
    downloaded: todo.map((e) => e.path),
    reused,
    bytes: totals.fetched,
    fromCache: false,
  };
}
