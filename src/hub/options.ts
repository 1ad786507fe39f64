/** HubOptions from the process environment, the one place that reads it for the CLI, the trainer and the extension. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { findToken, hubCacheDir, hubEndpoint, isOffline, type Env } from './env';
import type { HubOptions } from './download';

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function hubOptionsFromEnv(env: Env = process.env, home: string = homedir()): HubOptions {
  return {
    cacheDir: hubCacheDir(env, home),
    endpoint: hubEndpoint(env),
    token: findToken(env, home, readIfExists),
    offline: isOffline(env),
  };
}
