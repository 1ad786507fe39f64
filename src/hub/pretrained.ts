/**
 * `model.from_pretrained` as transformers reads it: a path that exists wins; otherwise the value
 * is a Hub id (`org/name[@revision]`), looked up in the shared cache, and downloaded at run start
 * unless offline. `locatePretrained` never touches the network (the language server uses it).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { resolveCached } from './cache';
import { describeMissing, downloadModel, type DownloadOptions, type DownloadResult, type HubOptions } from './download';
import { HubError } from './errors';
import { formatModelId, parseModelId, type ModelId } from './model-id';

export type PretrainedLocation =
  | { kind: 'folder'; folder: string }
  | { kind: 'cached'; folder: string; id: ModelId; commit: string }
  /** Not (completely) cached; a run downloads it. `detail` says what is missing. */
  | { kind: 'download'; id: ModelId; detail: string; reason: 'no-repo' | 'no-revision' | 'incomplete' }
  | { kind: 'offline-missing'; id: ModelId; message: string; reason: 'no-repo' | 'no-revision' | 'incomplete' }
  /** Neither a folder that exists nor a Hub id. */
  | { kind: 'not-found'; path: string; message: string };

/** Values written as paths are never Hub ids: `./x`, `../x`, `/x`, `~/x`, `C:\x`. */
function looksLikePath(value: string): boolean {
  return value.startsWith('.') || value.startsWith('~') || isAbsolute(value) || /^[A-Za-z]:[\\/]/.test(value) || value.includes('\\');
}

export function locatePretrained(value: string, configDir: string, hub: Pick<HubOptions, 'cacheDir' | 'offline'>): PretrainedLocation {
  const path = resolve(configDir, value);
  if (existsSync(path)) return { kind: 'folder', folder: path };
  const id = looksLikePath(value) ? undefined : parseModelId(value);
  if (id === undefined || typeof id === 'string') {
    const why = id ? ` and it is not a Hub id either: ${id}` : '';
    return { kind: 'not-found', path, message: `model.from_pretrained: folder ${path} does not exist${why}` };
  }
  const lookup = resolveCached(id.repoId, id.revision, hub.cacheDir);
  if (lookup.kind === 'cached') return { kind: 'cached', folder: lookup.folder, id, commit: lookup.commit };
  const detail = describeMissing(id, lookup, hub.cacheDir);
  if (hub.offline) {
    return {
      kind: 'offline-missing',
      id,
      reason: lookup.reason,
      message: `${detail}, and offline mode (HF_HUB_OFFLINE=1) forbids downloading it; run \`finetune-studio download ${formatModelId(id)}\` where the Hub is reachable`,
    };
  }
  return { kind: 'download', id, detail, reason: lookup.reason };
}

/**
 * The folder to load: an existing path, the cached snapshot, or a fresh download (with progress).
 * Throws a HubError whose message says what to do.
 */
export async function ensurePretrained(
  value: string,
  configDir: string,
  options: DownloadOptions,
  onDownloadStart?: (id: ModelId, detail: string) => void,
): Promise<{ folder: string; download?: DownloadResult; id?: ModelId }> {
  const location = locatePretrained(value, configDir, options);
  switch (location.kind) {
    case 'folder':
    case 'cached':
      return { folder: location.folder, id: location.kind === 'cached' ? location.id : undefined };
    case 'not-found':
      throw new HubError('not-found', location.message);
    case 'offline-missing':
      throw new HubError('offline-missing', location.message, location.id.repoId);
    case 'download': {
      onDownloadStart?.(location.id, location.detail);
      const download = await downloadModel(location.id, options);
      return { folder: download.folder, download, id: location.id };
    }
  }
}
