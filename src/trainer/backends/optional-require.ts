/**
 * Loads optional packages (tfjs-node, webgpu, ...) at run time. createRequire with a variable name
 * keeps esbuild from bundling them; scripts/build.mjs also marks them external.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type Loaded<T> = { ok: true; module: T } | { ok: false; reason: string };

/** Resolves from this file (tsx) or from the bundle (dist/cli.js): node_modules above either. */
function requireHere(): NodeJS.Require {
  const from = typeof __filename === 'string' ? __filename : join(process.cwd(), 'noop.js');
  return createRequire(from);
}

export function tryRequire<T>(name: string): Loaded<T> {
  try {
    return { ok: true, module: requireHere()(name) as T };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const missing = (error as { code?: string }).code === 'MODULE_NOT_FOUND' && message.includes(`'${name}'`);
    return { ok: false, reason: missing ? `${name} is not installed` : `${name} failed to load: ${message}` };
  }
}

/** require.resolve from the same place as tryRequire; undefined when not found. */
export function tryResolve(request: string): string | undefined {
  try {
    return requireHere().resolve(request);
  } catch {
    return undefined;
  }
}
