/**
 * The Node side of config validation: a ConfigHost over the file system, and loading a config
 * file into parse + validation results. Unreadable files become problems, never exceptions.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { describeError, type ConfigHost } from '../config/host';
import { createNodeFileAccess, type FileAccess } from './file-access';
import { MAX_READ_BYTES, fileKindSync, readRegularFileSync } from './regular-file';
import { parseConfigText } from '../config/parse';
import type { ParsedConfig } from '../config/parsed';
import type { Problem } from '../config/problems';
import type { TrainerConfig } from '../config/schema';
import { validateParsedConfig } from '../config/validate';
import { createHubModelLookup } from '../hub/host-lookup';
import { blasAddonPresent } from '../trainer/backends/blas-addon';
import { hubOptionsFromEnv } from '../hub/options';

/** Counts JSONL non-empty lines, or CSV rows after the header (quoted fields may span lines). */
export function countRowsInText(text: string, path: string): number {
  if (/\.csv$/i.test(path)) return countCsvRows(text);
  let count = 0;
  for (const line of text.split(/\r?\n/)) if (line.trim() !== '') count++;
  return count;
}

function countCsvRows(text: string): number {
  let rows = 0;
  let inQuotes = false;
  let rowHasContent = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (rowHasContent) rows++;
      rowHasContent = false;
      continue;
    }
    if (ch !== ' ' && ch !== '\t') rowHasContent = true;
  }
  if (rowHasContent) rows++;
  return Math.max(0, rows - 1);
}

/** The first `maxBytes` of a regular file as UTF-8, or undefined when it cannot be read or is not a regular file. */
export function readTextHead(path: string, maxBytes: number): string | undefined {
  return readRegularFileSync(path, maxBytes);
}

/** What a file-backed ConfigHost adds to the files: Hub lookups and where caught bugs are reported. */
export interface FileConfigHostOptions {
  lookupHubModel?: ConfigHost['lookupHubModel'];
  reportInternalError?: ConfigHost['reportInternalError'];
}

/**
 * The one ConfigHost over a FileAccess, for the CLI, the Trainer and the language server (which
 * lays open editor buffers over the disk). Row counts are cached by path, size and mtime, so a
 * diagnostics pass on every keystroke does not re-read a large data file; an unsaved buffer
 * (mtime 0) is always recounted.
 */
export function createFileConfigHost(files: FileAccess, options: FileConfigHostOptions = {}): ConfigHost {
  const rowCache = new Map<string, { size: number; mtimeMs: number; rows: number | undefined }>();
  let nativeAddon: boolean | undefined;
  return {
    ...options,
    resolvePath: (fromConfigFile, relative) => (isAbsolute(relative) ? relative : resolve(dirname(resolve(fromConfigFile)), relative)),
    fileExists: (path) => files.stat(path) !== undefined,
    fileKind: (path) => {
      const stat = files.stat(path);
      return stat === undefined ? undefined : stat.isFile ? 'file' : stat.isDirectory ? 'directory' : 'other';
    },
    readTextHead: (path, maxBytes) => files.readTextHead(path, maxBytes),
    machineMemoryBytes: () => totalmem(),
    nativeFusedKernels: () => (nativeAddon ??= blasAddonPresent()),
    countDataRows(path) {
      const stat = files.stat(path);
      if (!stat?.isFile) return undefined;
      const cached = rowCache.get(path);
      if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs && stat.mtimeMs !== 0) return cached.rows;
      const text = files.readText(path);
      const rows = text === undefined ? undefined : countRowsInText(text, path);
      rowCache.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, rows });
      return rows;
    },
  };
}

/** The CLI's and the Trainer's host: the disk, Hub ids looked up in the cache of `env`, bugs to stderr. */
export function createNodeConfigHost(env: NodeJS.ProcessEnv = process.env): ConfigHost {
  const hub = hubOptionsFromEnv(env);
  return createFileConfigHost(createNodeFileAccess(), {
    lookupHubModel: createHubModelLookup(() => hub),
    reportInternalError(what, error) {
      process.stderr.write(`finetune-studio: internal error: ${what} failed; the problems listed may be incomplete. Please report it:\n${describeError(error)}\n`);
    },
  });
}

export interface LoadedConfig {
  parsed: ParsedConfig;
  /** Defined exactly when there are no errors. */
  config: TrainerConfig | undefined;
  problems: Problem[];
}

/** Reads, parses and validates a config file. Never throws. */
export async function loadConfigFile(path: string, host: ConfigHost = createNodeConfigHost()): Promise<LoadedConfig> {
  let text: string;
  try {
    // A config named as /dev/stdin, a FIFO or a folder would block or fail obscurely: refuse it.
    const kind = fileKindSync(path);
    if (kind !== undefined && kind !== 'file') throw new Error(`${kind === 'directory' ? 'it is a folder' : 'it is not a regular file (a device, FIFO or socket)'}; name a config file`);
    const read = kind === 'file' ? readRegularFileSync(path, MAX_READ_BYTES, true) : undefined;
    if (kind === 'file' && read === undefined) throw new Error(`it is unreadable or larger than ${MAX_READ_BYTES / 1024 / 1024} MiB`);
    text = read ?? readFileSync(path, 'utf8');
  } catch (error) {
    const parsed = parseConfigText('', path);
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'config file not found' : `cannot read the config file: ${error instanceof Error ? error.message : String(error)}`;
    const problem: Problem = { file: path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'FTS005', message: reason };
    return { parsed, config: undefined, problems: [problem] };
  }
  const parsed = parseConfigText(text, path);
  const { config, problems } = validateParsedConfig(parsed, host);
  return { parsed, config, problems };
}
