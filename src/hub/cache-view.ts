/**
 * The local cache as editors show it (language server completion and hover, the Models view):
 * a scan memoised for a short while, so that completion on each keystroke does not walk the
 * cache, and the summary lines. No network.
 */
import { scanCache, type CachedModel, type CachedRevision } from './cache';
import { formatBytes, formatParameters } from './format';
import type { HubOptions } from './download';
import { locatePretrained, type PretrainedLocation } from './pretrained';

export interface HubCacheView {
  readonly options: Pick<HubOptions, 'cacheDir' | 'offline'>;
  models(): CachedModel[];
  locate(value: string, configDir: string): PretrainedLocation;
}

export function createHubCacheView(options: Pick<HubOptions, 'cacheDir' | 'offline'>, maxAgeMs = 3000, now: () => number = Date.now): HubCacheView {
  let memo: { at: number; models: CachedModel[] } | undefined;
  return {
    options,
    models() {
      if (!memo || now() - memo.at > maxAgeMs) memo = { at: now(), models: scanCache(options.cacheDir) };
      return memo.models;
    },
    locate: (value, configDir) => locatePretrained(value, configDir, options),
  };
}

/** `bert · 110.1M params · 440 MB`, what a cached revision is at a glance. */
export function revisionSummary(revision: CachedRevision): string {
  return [
    revision.modelType ?? 'unknown model_type',
    revision.parameters !== undefined ? `${formatParameters(revision.parameters)} params` : undefined,
    formatBytes(revision.sizeOnDisk),
    revision.complete ? undefined : `incomplete: lacks ${revision.missing.join(', ')}`,
  ]
    .filter((part) => part !== undefined)
    .join(' · ');
}

/** The revision a ref or commit names, in one cached model. */
export function findRevision(model: CachedModel, revision: string): CachedRevision | undefined {
  return model.revisions.find((r) => r.refs.includes(revision) || r.commit === revision);
}
