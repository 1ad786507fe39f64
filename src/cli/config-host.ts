/**
 * The Node side of config validation: a ConfigHost over the file system, and loading a config
 * file into parse + validation results. Unreadable files become problems, never exceptions.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { describeError, type ConfigHost } from '../config/host';
import { parseConfigText } from '../config/parse';
import type { ParsedConfig } from '../config/parsed';
import type { Problem } from '../config/problems';
import type { TrainerConfig } from '../config/schema';
import { validateParsedConfig } from '../config/validate';
import { createHubModelLookup } from '../hub/host-lookup';
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

/** The first `maxBytes` of a file as UTF-8, or undefined when it cannot be read. */
export function readTextHead(path: string, maxBytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(Math.max(0, maxBytes));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An fs-based host. Row counts are cached per host by path, size and mtime. Hub ids are looked up in the cache of `env`. */
export function createNodeConfigHost(env: NodeJS.ProcessEnv = process.env): ConfigHost {
  const rowCache = new Map<string, { mtimeMs: number; size: number; rows: number }>();
  const hub = hubOptionsFromEnv(env);
  return {
    lookupHubModel: createHubModelLookup(() => hub),
    resolvePath: (fromConfigFile, relative) => (isAbsolute(relative) ? relative : resolve(dirname(resolve(fromConfigFile)), relative)),
    fileExists: (path) => existsSync(path),
    readTextHead,
    countDataRows(path) {
      try {
        const stat = statSync(path);
        if (!stat.isFile()) return undefined;
        const cached = rowCache.get(path);
        if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.rows;
        const rows = countRowsInText(readFileSync(path, 'utf8'), path);
        rowCache.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, rows });
        return rows;
      } catch {
        return undefined;
      }
    },
    reportInternalError(what, error) {
      process.stderr.write(`finetune-studio: internal error: ${what} failed; the problems listed may be incomplete. Please report it:\n${describeError(error)}\n`);
    },
  };
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
    text = readFileSync(path, 'utf8');
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
