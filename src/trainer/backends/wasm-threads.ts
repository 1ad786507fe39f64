/**
 * Multi-threaded wasm in Node. tfjs-backend-wasm's threaded-SIMD binary runs XNNPACK on a pool of
 * emscripten pthreads (worker_threads in Node), but tfjs 4.22 starts them the browser way:
 *  1. WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false in Node;
 *  2. each worker's script is a Blob URL, which worker_threads cannot load;
 *  3. each worker then loads emscripten's main script from a Blob it is sent, which fails the same way;
 *  4. the C++ side caps threads at half of os.cpus().length (it assumes two hyperthreads per core);
 *  5. a running pthread keeps a ref on its worker, so the process never exits on its own.
 * startThreadedWasm handles 1-4 only while the backend starts, then unrefs the workers (5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tryResolve } from './optional-require';

const MAIN_SCRIPT = 'tfjs-backend-wasm-threaded-simd.js';
const WORKER_MODULE = 'tfjs-backend-wasm-threaded-simd.worker.js';

/** emscripten's pthread pool size in this build: more threads would start workers after our files are gone. */
export const MAX_WASM_THREADS = 8;

/** emscripten's own scripts for the threaded binary: the main script a worker evaluates, and the worker's source. */
export interface ThreadedScripts {
  mainScript: string;
  workerModule: string;
}

/**
 * The unbundled emscripten scripts, from `dirs` (dist/wasm/ when the build copies them there) or the
 * installed package's wasm-out/. tfjs's own in-bundle copy of the main script cannot be used: its
 * source refers to variables of the bundle around it, which a worker does not have.
 */
export function locateThreadedScripts(dirs: string[], exists: (path: string) => boolean): ThreadedScripts | undefined {
  const candidates = [...dirs];
  const resolved = tryResolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${MAIN_SCRIPT}`);
  if (resolved) candidates.push(join(resolved, '..'));
  const dir = candidates.find((d) => exists(join(d, MAIN_SCRIPT)) && exists(join(d, WORKER_MODULE)));
  return dir ? { mainScript: join(dir, MAIN_SCRIPT), workerModule: join(dir, WORKER_MODULE) } : undefined;
}

/**
 * The worker's source as tfjs would put it in a Blob, followed by an override of the worker's
 * URL.createObjectURL: when the worker turns the main-script Blob it was sent into a URL, it gets
 * the path of the main script instead, which its importScripts can read.
 */
export function workerSource(workerContents: string, mainScript: string): string {
  // tfjs escapes newlines the same way before making its Blob: the source has "\n" inside strings.
  return (
    `${workerContents.replace(/\n/g, '\\n')}\n` +
    `;URL.createObjectURL=function(){return ${JSON.stringify(mainScript)}};URL.revokeObjectURL=function(){};\n`
  );
}

/** The emscripten pthread pool, which the threaded module exposes as Module.PThread. */
interface PthreadPool {
  runningWorkers: Array<{ unref(): void }>;
}

/**
 * Lets the process exit while XNNPACK's threads wait for work. Safe: those threads only ever run
 * inside a kernel call made from the main thread, which waits for them.
 */
export function unrefThreads(backend: BackendWasm): number {
  const pool = (backend.wasm as unknown as { PThread?: PthreadPool }).PThread;
  for (const worker of pool?.runningWorkers ?? []) worker.unref();
  return pool?.runningWorkers.length ?? 0;
}

/** Runs `body` with `object[key]` replaced by `value`, restoring it afterwards. */
async function withReplaced<T extends object, K extends keyof T, R>(object: T, key: K, value: T[K], body: () => Promise<R>): Promise<R> {
  const original = object[key];
  object[key] = value;
  try {
    return await body();
  } finally {
    object[key] = original;
  }
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads (the caller's thread included) and returns
 * the count the backend reports. Must run before anything else starts the wasm backend in this process.
 */
export async function startThreadedWasm(threads: number, scripts: ThreadedScripts): Promise<number> {
  const load = createRequire(scripts.workerModule);
  const { wasmWorkerContents } = load(scripts.workerModule) as { wasmWorkerContents: string };
  // The os module object itself (shared with tfjs), not an import's copy, so the override reaches tfjs.
  const os = load('node:os') as typeof import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'fts-wasm-threads-'));
  const workerPath = join(dir, WORKER_MODULE);
  writeFileSync(workerPath, workerSource(wasmWorkerContents, scripts.mainScript));
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus.bind(os);
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    // tfjs makes the worker's Blob with this type; the main script's Blob never reaches createObjectURL here.
    const workerUrl = (blob: Blob): string => (blob instanceof Blob && blob.type === 'application/javascript' ? workerPath : createObjectURL(blob));
    // Twice the cores, so the C++ cap (half of them) allows every core.
    const doubledCpus = (): ReturnType<typeof os.cpus> => [...cpus(), ...cpus()];
    const started = await withReplaced(URL, 'createObjectURL', workerUrl, () =>
      withReplaced(os, 'cpus', doubledCpus, () => tf.setBackend('wasm')),
    );
    if (!started) throw new Error('The threaded wasm backend failed to start.');
    unrefThreads(tf.backend() as BackendWasm);
    return getThreadsCount();
  } finally {
    // Every pool worker has read its script by now (emscripten waits for all of them to load).
    rmSync(dir, { recursive: true, force: true });
  }
}
