/**
 * Finds and loads the native kernel addon (native/, N-API + OpenBLAS), which runs the wasm
 * backend's hot kernels on the wasm heap in place. Optional: without it (another platform, a
 * failed build, FTS_NATIVE=0) the pure wasm kernels run.
 *
 * Where it is looked for, first found wins:
 *  1. FTS_NATIVE_PATH (a .node file), for tests and experiments;
 *  2. next to the bundle: dist/native/fts_native.node (what the .vsix ships);
 *  3. the source build: native/build/Release/fts_native.node (what `npm ci` builds).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export const ADDON_FILE = 'fts_native.node';

/** The addon's exports (native/src/fts_native.c). Offsets are byte offsets into `heap`. */
export interface BlasAddon {
  info(): { blas: string; config: string; threads: number; cores: number };
  setThreads(n: number): number;
  matmul(
    heap: Uint8Array, aOffsets: Float64Array, bOffsets: Float64Array, cOffset: number,
    m: number, n: number, k: number, transposeA: boolean, transposeB: boolean,
    biasOffset: number, biasSize: number, activation: number, alpha: number,
    preluOffset: number, preluSize: number,
  ): void;
  sumSquares(heap: Uint8Array, offsets: Float64Array, sizes: Float64Array): number;
  adam(
    heap: Uint8Array, params: Float64Array, paramsOut: Float64Array, grads: Float64Array, expAvg: Float64Array, expAvgSq: Float64Array,
    sizes: Float64Array, weightDecays: Float64Array, biasCorrections1: Float64Array, biasCorrections2Sqrt: Float64Array,
    lr: number, beta1: number, beta2: number, eps: number, gradScale: number, decoupled: boolean,
  ): void;
  /** out = exp(x) (op 0) or erf(x) (op 1), float32. */
  unary(heap: Uint8Array, op: number, inOffset: number, outOffset: number, size: number): void;
}

/**
 * The fused transformer kernels (backends/fused; fts_native.c, "fused transformer kernels"). An
 * addon built before they existed lacks them: the matmuls still run natively and these ops their
 * composites. Offsets are byte offsets into `heap`; rows·h is the element count of x.
 */
export interface FusedKernelsAddon {
  layerNorm(heap: Uint8Array, x: number, gamma: number, beta: number, y: number, mean: number, invStd: number, rows: number, h: number, epsilon: number): void;
  layerNormGrad(
    heap: Uint8Array, dy: number, x: number, gamma: number, mean: number, invStd: number,
    dx: number, dgamma: number, dbeta: number, rows: number, h: number,
  ): void;
  rmsNorm(heap: Uint8Array, x: number, weight: number, y: number, invRms: number, rows: number, h: number, epsilon: number): void;
  rmsNormGrad(heap: Uint8Array, dy: number, x: number, weight: number, invRms: number, dx: number, dweight: number, rows: number, h: number): void;
  /** scores [d0, d1, d2, d3]; the mask is read with element strides m0..m3 (0 along a broadcast axis). */
  maskedSoftmax(
    heap: Uint8Array, scores: number, mask: number, probs: number, d0: number, d1: number, d2: number, d3: number,
    m0: number, m1: number, m2: number, m3: number, maskSize: number, scale: number,
  ): void;
  maskedSoftmaxGrad(heap: Uint8Array, dy: number, probs: number, dscores: number, rows: number, cols: number, scale: number): void;
  /** approximate: 0 erf, 1 tanh. */
  gelu(heap: Uint8Array, x: number, y: number, size: number, approximate: number): void;
  geluGrad(heap: Uint8Array, dy: number, x: number, dx: number, size: number, approximate: number): void;
  swiGlu(heap: Uint8Array, gate: number, up: number, y: number, size: number): void;
  swiGluGrad(heap: Uint8Array, dy: number, gate: number, up: number, dgate: number, dup: number, size: number): void;
}

const FUSED_FUNCTIONS: ReadonlyArray<keyof FusedKernelsAddon> = [
  'layerNorm', 'layerNormGrad', 'rmsNorm', 'rmsNormGrad', 'maskedSoftmax', 'maskedSoftmaxGrad', 'gelu', 'geluGrad', 'swiGlu', 'swiGluGrad',
];

/** Whether the loaded addon has the fused kernels (one built from an older source does not). */
export function hasFusedKernels(addon: BlasAddon): addon is BlasAddon & FusedKernelsAddon {
  const functions = addon as unknown as Record<string, unknown>;
  return FUSED_FUNCTIONS.every((name) => typeof functions[name] === 'function');
}

export type AddonLoad = { ok: true; addon: BlasAddon; path: string } | { ok: false; reason: string };

/** The candidate paths, in order (see the file comment). `here` is this module's or the bundle's folder. */
export function addonCandidates(env: NodeJS.ProcessEnv, here: string | undefined): string[] {
  const candidates: string[] = [];
  if (env.FTS_NATIVE_PATH) candidates.push(resolve(env.FTS_NATIVE_PATH));
  if (here) {
    candidates.push(join(here, 'native', ADDON_FILE));
    // dist/cli.js → ../native/build; src/trainer/backends/blas-addon.ts → ../../../native/build.
    for (const up of ['..', '../../..']) candidates.push(resolve(here, up, 'native', 'build', 'Release', ADDON_FILE));
  }
  return candidates;
}

function moduleFolder(): string | undefined {
  return typeof __dirname === 'string' ? __dirname : undefined;
}

/**
 * Whether a run here would find the addon (not disabled, a file where loadBlasAddon looks), without
 * loading it: the language server's memory plan asks, and has no use for BLAS threads of its own.
 */
export function blasAddonPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  return !disabled(env) && addonCandidates(env, moduleFolder()).some((p) => existsSync(p));
}

function disabled(env: NodeJS.ProcessEnv): boolean {
  const value = (env.FTS_NATIVE ?? '').trim().toLowerCase();
  return value === '0' || value === 'false' || value === 'off' || value === 'no';
}

/**
 * Loads the addon, or says why not. A file that exists but fails to load (wrong platform, a
 * missing shared library) is a reason, not an error: the run falls back to pure wasm.
 */
export function loadBlasAddon(env: NodeJS.ProcessEnv = process.env): AddonLoad {
  if (disabled(env)) return { ok: false, reason: 'disabled by FTS_NATIVE=0' };
  const candidates = addonCandidates(env, moduleFolder());
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    return { ok: false, reason: `${ADDON_FILE} not found (looked in ${candidates.join(', ')}); build it with \`npm run build:native\`` };
  }
  try {
    const addon = createRequire(path)(path) as Partial<BlasAddon>;
    for (const name of ['info', 'setThreads', 'matmul', 'sumSquares', 'adam', 'unary'] as const) {
      if (typeof addon[name] !== 'function') return { ok: false, reason: `${path} lacks ${name}(); rebuild it with \`npm run build:native\`` };
    }
    return { ok: true, addon: addon as BlasAddon, path };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `${path} failed to load: ${message}` };
  }
}

/** "OpenBLAS 0.3.21, 2 threads": what the run reports. */
export function describeAddon(addon: BlasAddon): string {
  const { blas, threads } = addon.info();
  return `${blas}, ${threads} thread${threads === 1 ? '' : 's'}`;
}
