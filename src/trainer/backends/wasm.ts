/** Starts the tfjs wasm backend from TypeScript sources (tsx) or from the esbuild bundle. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../../protocol/events';
import { tryResolve } from './optional-require';
import { resolveThreads } from './threads';

const PROBE = 'tfjs-backend-wasm-simd.wasm';

/**
 * The folder holding the .wasm binaries: next to the bundle (dist/wasm/, copied by
 * scripts/build.mjs) first, then the installed @tensorflow/tfjs-backend-wasm package.
 */
export function locateWasmDir(): string | undefined {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(join(__dirname, 'wasm'), __dirname);
  const resolved = tryResolve(`@tensorflow/tfjs-backend-wasm/dist/${PROBE}`);
  if (resolved) candidates.push(dirname(resolved));
  return candidates.find((dir) => existsSync(join(dir, PROBE)));
}

export async function initWasm(threadsRequested: 'auto' | number | undefined, log: (m: string) => void): Promise<BackendInfo> {
  const { threads, warning } = resolveThreads(threadsRequested);
  if (warning) log(warning);
  const dir = locateWasmDir();
  if (!dir) {
    throw new Error(
      `Cannot find the wasm backend's binaries (${PROBE}) next to the bundle (dist/wasm/) or in ` +
        'node_modules/@tensorflow/tfjs-backend-wasm/dist/. Reinstall with `npm ci`, or rebuild with `npm run build`.',
    );
  }
  if (tf.findBackend('wasm') === null) setWasmPaths(dir + '/');
  if (!(await tf.setBackend('wasm'))) {
    throw new Error(`The wasm backend failed to start (binaries from ${dir}). Use backend: cpu, or reinstall @tensorflow/tfjs-backend-wasm.`);
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return {
    name: 'wasm',
    device: `CPU, wasm${simd ? ' SIMD' : ' (no SIMD)'}, ${threads} thread${threads === 1 ? '' : 's'}`,
    simd,
    threads,
  };
}
