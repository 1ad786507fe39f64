/**
 * What every service gets besides the document: file access (open buffers over the disk) and
 * the ConfigHost that validation reads data files through. One per server, no module state.
 */
import { describeError, parseConfigText, type ConfigHost, type ParsedConfig } from '../src/config/index';
import type { FileAccess } from './files';
import { countRowsInText, createFileConfigHost } from '../src/cli/config-host';
import { createHubCacheView, type HubCacheView } from '../src/hub/cache-view';
import { createHubModelLookup } from '../src/hub/host-lookup';
import { hubOptionsFromEnv } from '../src/hub/options';

/** Where services report bugs they caught and survived (the server: its output channel). */
export interface ServerLog {
  error(message: string): void;
}

export interface ServiceContext {
  files: FileAccess;
  configHost: ConfigHost;
  /** The Hugging Face cache (read only; the language server never uses the network). */
  hub: HubCacheView;
  /** A caught bug: logged with what failed, so a vanished diagnostic or hover leaves a trace. */
  reportError(what: string, error: unknown): void;
  /** parseConfigText, memoised for the last few texts: one keystroke triggers several features on one text. */
  parseConfig(text: string, fileName: string): ParsedConfig;
}

const PARSE_CACHE_SIZE = 4;

/** A tiny most-recently-used memo of parsed configs, keyed by file name and text. */
export function createParseCache(): (text: string, fileName: string) => ParsedConfig {
  const entries: ParsedConfig[] = [];
  return (text, fileName) => {
    const index = entries.findIndex((p) => p.text === text && p.fileName === fileName);
    if (index >= 0) {
      const [hit] = entries.splice(index, 1);
      entries.unshift(hit);
      return hit;
    }
    const parsed = parseConfigText(text, fileName);
    entries.unshift(parsed);
    entries.length = Math.min(entries.length, PARSE_CACHE_SIZE);
    return parsed;
  };
}

/** Counts data rows as the CLI and the Trainer do (quoted CSV line breaks included). */
export function countRows(path: string, text: string): number {
  return countRowsInText(text, path);
}

/** The ConfigHost of the CLI (one implementation) over the server's files, open buffers included. */
export function createConfigHost(files: FileAccess, hub?: HubCacheView, reportError: ServiceContext['reportError'] = () => undefined): ConfigHost {
  return createFileConfigHost(files, {
    ...(hub ? { lookupHubModel: createHubModelLookup(() => hub.options) } : {}),
    reportInternalError: reportError,
  });
}

/**
 * `hub` defaults to the cache the server's environment names (HF_HUB_CACHE, HF_HOME, HF_HUB_OFFLINE);
 * `log` receives the bugs services catch and survive.
 */
export function createServiceContext(files: FileAccess, hub: HubCacheView = createHubCacheView(hubOptionsFromEnv()), log: ServerLog = { error: () => undefined }): ServiceContext {
  const reportError = (what: string, error: unknown) => log.error(`${what} failed (a bug; the other results are unaffected): ${describeError(error)}`);
  return { files, configHost: createConfigHost(files, hub, reportError), hub, reportError, parseConfig: createParseCache() };
}
