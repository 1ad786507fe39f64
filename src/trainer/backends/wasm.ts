/** Starts the tfjs wasm backend from TypeScript sources (tsx) or from the esbuild bundle. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../../protocol/events';
import { tryResolve } from './optional-require';
import { resolveThreads } from './threads';
import { locateThreadedScripts, startThreadedWasm } from './wasm-threads';

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

/** Starts the backend with `threads` threads; returns the count it runs. */
async function start(dir: string, threads: number, log: (m: string) => void): Promise<number> {
  // A backend started earlier in this process keeps its thread count.
  if (tf.findBackend('wasm') !== null) {
    if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend failed to start.');
    return getThreadsCount();
  }
  setWasmPaths(dir + '/');
  if (threads > 1) {
    const scripts = locateThreadedScripts([dir], existsSync);
    if (scripts) return startThreadedWasm(threads, scripts);
    log(
      `threads: ${threads} needs tfjs-backend-wasm-threaded-simd.js and its .worker.js (from ` +
        '@tensorflow/tfjs-backend-wasm/wasm-out/) next to the .wasm files or installed; running 1 thread.',
    );
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend failed to start.');
  return getThreadsCount();
}

export async function initWasm(threadsRequested: 'auto' | number | undefined, log: (m: string) => void): Promise<BackendInfo> {
  const { threads: wanted, warning } = resolveThreads(threadsRequested, availableParallelism());
  if (warning) log(warning);
  const dir = locateWasmDir();
  if (!dir) {
    throw new Error(
      `Cannot find the wasm backend's binaries (${PROBE}) next to the bundle (dist/wasm/) or in ` +
        'node_modules/@tensorflow/tfjs-backend-wasm/dist/. Reinstall with `npm ci`, or rebuild with `npm run build`.',
    );
  }
  const reused = tf.findBackend('wasm') !== null;
  let threads: number;
  try {
    threads = await start(dir, wanted, log);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why} (binaries from ${dir}). Use backend: cpu, or reinstall @tensorflow/tfjs-backend-wasm.`);
  }
  if (reused && threads !== wanted) {
    log(`threads: ${wanted} not applied: the wasm backend was already running ${threads} thread${threads === 1 ? '' : 's'} in this process.`);
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return {
    name: 'wasm',
    device: `CPU, wasm${simd ? ' SIMD' : ' (no SIMD)'}, ${threads} thread${threads === 1 ? '' : 's'}`,
    simd,
    threads,
  };
}
