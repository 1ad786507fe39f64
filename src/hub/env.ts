/**
 * The Hugging Face environment, resolved exactly as Python's huggingface_hub does
 * (huggingface_hub/constants.py and utils/_auth.py), so both share one cache and one login.
 * Pure: the environment and the home folder are passed in, nothing is read from the process.
 */
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);

/** Python's `os.path.expanduser` + `expandvars` for the forms people write in these variables. */
function expand(path: string, env: Env, home: string): string {
  const withHome = path === '~' || path.startsWith('~/') ? home + path.slice(1) : path;
  return withHome.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a?: string, b?: string) => env[(a ?? b) as string] ?? whole);
}

/** `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: Env, home: string): string {
  return expand(env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'huggingface'), env, home);
}

/** The hub cache: `HF_HUB_CACHE`, else the legacy `HUGGINGFACE_HUB_CACHE`, else `HF_HOME/hub`. */
export function hubCacheDir(env: Env, home: string): string {
  return expand(env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE ?? join(hfHome(env, home), 'hub'), env, home);
}

/** Where `huggingface-cli login` (`hf auth login`) writes the token: `HF_TOKEN_PATH`, else `HF_HOME/token`. */
export function tokenPath(env: Env, home: string): string {
  return expand(env.HF_TOKEN_PATH ?? join(hfHome(env, home), 'token'), env, home);
}

/** `HF_HUB_OFFLINE` (or the older `TRANSFORMERS_OFFLINE`) set to 1/ON/YES/TRUE. */
export function isOffline(env: Env): boolean {
  const value = env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE;
  return value !== undefined && TRUE_VALUES.has(value.toUpperCase());
}

/** `HF_ENDPOINT` (a mirror), without a trailing slash. */
export function hubEndpoint(env: Env): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** Python's `_clean_token`: newlines dropped, spaces trimmed, empty means none. */
export function cleanToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return token.replace(/[\r\n]/g, '').trim() || undefined;
}

export interface TokenSource {
  token: string;
  /** Where it came from, for messages: `HF_TOKEN` or the token file's path. */
  from: string;
}

/**
 * The token Python would send: `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`), else the
 * token file. `readFile` returns undefined when the file does not exist.
 */
export function findToken(env: Env, home: string, readFile: (path: string) => string | undefined): TokenSource | undefined {
  const fromEnv = cleanToken(env.HF_TOKEN) ?? cleanToken(env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return { token: fromEnv, from: env.HF_TOKEN ? 'HF_TOKEN' : 'HUGGING_FACE_HUB_TOKEN' };
  const path = tokenPath(env, home);
  const fromFile = cleanToken(readFile(path));
  return fromFile ? { token: fromFile, from: path } : undefined;
}

/** Seconds before a stalled transfer is abandoned: `HF_HUB_DOWNLOAD_TIMEOUT` (Python's default 10). */
export function downloadTimeoutMs(env: Env): number {
  const seconds = Number(env.HF_HUB_DOWNLOAD_TIMEOUT);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 10) * 1000;
}
