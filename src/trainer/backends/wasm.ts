/** Starts the tfjs wasm backend from TypeScript sources (tsx) or from the esbuild bundle. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../../protocol/events';
import { describeAddon, loadBlasAddon, type BlasAddon } from './blas-addon';
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

export interface WasmStart {
  info: BackendInfo;
  /** The native addon, when loaded: its BLAS then runs the matmuls (kernels/native-matmul.ts). */
  blas?: BlasAddon;
}

/**
 * BLAS threads for `threads`: `auto` is every logical core (OpenBLAS splits one GEMM across them,
 * which pays off on any core count, unlike wasm's threads), N is capped at the cores.
 */
export function resolveBlasThreads(requested: 'auto' | number | undefined, cores: number): { threads: number; warning?: string } {
  if (requested === undefined || requested === 'auto') return { threads: Math.max(1, cores) };
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`threads must be 'auto' or a positive integer, got ${String(requested)}.`);
  if (requested <= cores) return { threads: requested };
  return { threads: Math.max(1, cores), warning: `threads: ${requested} lowered to ${cores} (this machine has ${cores} logical cores).` };
}

/**
 * Starts the wasm backend. With the native addon (see blas-addon.ts) wasm runs one thread and
 * the addon's BLAS runs `threads`; without it (FTS_NATIVE=0, not built, failed to load) wasm runs
 * `threads` itself and the log says why the addon is not used.
 */
export async function initWasm(
  threadsRequested: 'auto' | number | undefined,
  log: (m: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WasmStart> {
  const addon = loadBlasAddon(env);
  if (addon.ok) {
    const { threads: blasThreads, warning } = resolveBlasThreads(threadsRequested, availableParallelism());
    if (warning) log(warning);
    const wasm = await startWasm(1, log);
    addon.addon.setThreads(blasThreads);
    const kernels = `wasm + native BLAS (${describeAddon(addon.addon)})`;
    return {
      info: { ...wasm, device: `CPU, wasm${wasm.simd ? ' SIMD' : ' (no SIMD)'} + native BLAS (${describeAddon(addon.addon)})`, threads: blasThreads, kernels },
      blas: addon.addon,
    };
  }
  if (addon.reason !== 'disabled by FTS_NATIVE=0') log(`native kernels not used: ${addon.reason}. Running pure wasm.`);
  const wasm = await startWasm(threadsRequested, log);
  return { info: { ...wasm, kernels: 'wasm' } };
}

async function startWasm(threadsRequested: 'auto' | number | undefined, log: (m: string) => void): Promise<BackendInfo> {
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
