/**
 * Chooses and starts the TensorFlow.js compute backend for a run, registers our fast kernels for
 * it, and says which backend and device the run uses.
 */
import '@tensorflow/tfjs'; // registers the gradients the trainer relies on, and the cpu backend
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../protocol/events';
import { registerFastKernels } from './kernels';
import { tryNative, type Attempt } from './native';
import type { BlasAddon } from './blas-addon';
import { initWasm } from './wasm';
import { tryWebGpu, type BackendLog } from './webgpu';
import type { BACKENDS } from '../../config/schema';

/** The config schema's `backend` values: one list for the schema, the CLI and backend selection. */
export type BackendName = keyof typeof BACKENDS;

export interface BackendRequest {
  backend: BackendName;
  threads?: 'auto' | number;
}

export type { BackendInfo, BackendLog };
export { registerFastKernels } from './kernels';
export { locateWasmDir } from './wasm';

/** A started backend, with the native addon when its kernels should run on it. */
type Started = Attempt & { blas?: BlasAddon };

/** Turns a throw into a failed attempt, so `auto` can move on to the next backend. */
async function attempt(start: () => Promise<Started>): Promise<Started> {
  try {
    return await start();
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

const started = (start: () => Promise<BackendInfo>) => async (): Promise<Attempt> => ({ ok: true, info: await start() });

function startCpu(): Promise<BackendInfo> {
  return tf.setBackend('cpu').then((ok) => {
    if (!ok) throw new Error('The tfjs cpu backend failed to start.');
    return { name: 'cpu', device: 'CPU, plain JavaScript', threads: 1 };
  });
}

async function tryOne(name: Exclude<BackendName, 'auto'>, request: BackendRequest, explicit: boolean, log: BackendLog): Promise<Started> {
  switch (name) {
    case 'tensorflow':
    case 'tensorflow-gpu':
      return attempt(() => tryNative(name));
    case 'webgpu':
      return attempt(() => tryWebGpu(explicit, log));
    case 'wasm':
      return attempt(async () => {
        const { info, blas } = await initWasm(request.threads, (m) => log(m));
        return { ok: true, info, blas };
      });
    case 'cpu':
      return attempt(started(startCpu));
  }
}

const AUTO_ORDER = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

/**
 * Starts the requested backend. `auto` takes the first that loads of tensorflow-gpu, webgpu (a
 * hardware adapter only), tensorflow, wasm, cpu, logging (at debug level) why each earlier one was
 * skipped. An explicit backend that cannot load is an error saying why and what to install.
 */
export async function initBackend(request: BackendRequest, log: BackendLog = () => {}): Promise<BackendInfo> {
  if (request.backend !== 'auto') {
    const result = await tryOne(request.backend, request, true, log);
    if (!result.ok) throw new Error(`backend: ${request.backend} is not available: ${result.reason}`);
    registerFastKernels(result.info.name, { blas: result.blas });
    return result.info;
  }
  for (const name of AUTO_ORDER) {
    const result = await tryOne(name, request, false, log);
    if (result.ok) {
      registerFastKernels(result.info.name, { blas: result.blas });
      return result.info;
    }
    log(`backend auto: skipped ${name}: ${result.reason}`, 'debug');
  }
  throw new Error('backend auto: no TensorFlow.js backend could start, not even cpu.');
}
