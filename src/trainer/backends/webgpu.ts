/**
 * WebGPU in Node through Dawn (the optional `webgpu` package) and the optional
 * @tensorflow/tfjs-backend-webgpu. Setup order matters: Dawn's globals, then navigator.gpu, then
 * the tfjs backend, which registers itself only if navigator.gpu exists when it is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt } from './native';
import { tryRequire } from './optional-require';

/** The few WebGPU types used here (no @webgpu/types dependency). */
interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface Adapter {
  info?: AdapterInfo;
  requestAdapterInfo?(): Promise<AdapterInfo>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<Adapter | null>;
}
interface WebGpuPackage {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

const HINT =
  'Install the optional packages with `npm install --save-optional webgpu @tensorflow/tfjs-backend-webgpu@4.22.0`; ' +
  'Dawn needs a Vulkan, Metal or D3D12 driver.';

/** Software rasterisers (lavapipe, llvmpipe, SwiftShader) are slower than wasm. */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  if (info.architecture === 'software') return true;
  return /llvmpipe|lavapipe|swiftshader/i.test(`${info.description ?? ''} ${info.device ?? ''}`);
}

export function describeAdapter(info: AdapterInfo): string {
  const name = info.description || info.device || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return `WebGPU: ${name}${isSoftwareAdapter(info) ? ' (software)' : ''}`;
}

/**
 * On Linux Dawn needs the Vulkan loader; without it Dawn prints a native warning and finds nothing.
 * Probing for the library first keeps `auto` quiet on machines without a GPU stack.
 */
export function hasVulkanLoader(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => exists(join(dir, 'libvulkan.so.1')));
}

/** The one method of tfjs's WebGPUBackend wrapped below. */
interface SyncReader {
  readSync(dataId: tf.DataId): tf.BackendValues;
}

export const SYNC_READ_MESSAGE =
  'backend: webgpu in Node cannot read a tensor synchronously (dataSync, arraySync, bufferSync): ' +
  "tfjs's WebGPU readback needs OffscreenCanvas, which only browsers have. Read it with `await tensor.data()`.";

/**
 * tfjs-backend-webgpu reads GPU data synchronously through OffscreenCanvas; Node has none, and the
 * bare `OffscreenCanvas is not defined` names neither the cause nor the fix. Values already on the
 * CPU are still returned.
 */
export function explainSyncReads(backend: SyncReader): void {
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId) => {
    try {
      return readSync(dataId);
    } catch (error) {
      if (error instanceof ReferenceError && error.message.includes('OffscreenCanvas')) throw new Error(SYNC_READ_MESSAGE);
      throw error;
    }
  };
}

/** With allowSoftware false (backend: auto), a software adapter is refused. */
export async function tryWebGpu(allowSoftware: boolean, log: (m: string) => void): Promise<Attempt> {
  if (!allowSoftware && !hasVulkanLoader()) return { ok: false, reason: 'no Vulkan loader (libvulkan.so.1) is installed' };
  const dawn = tryRequire<WebGpuPackage>('webgpu');
  if (!dawn.ok) return { ok: false, reason: `${dawn.reason}. ${HINT}` };
  const g = globalThis as unknown as { navigator?: { gpu?: Gpu } };
  if (!g.navigator?.gpu) {
    Object.assign(globalThis, dawn.module.globals);
    if (!g.navigator) g.navigator = {};
    g.navigator.gpu = dawn.module.create([]);
  }
  // The same request tfjs-backend-webgpu makes, so the adapter judged here is the one it gets.
  // (Its flag exists only once that package is loaded, which is deferred until an adapter passes.)
  const lowPower = tf.env().getFlags().WEBGPU_USE_LOW_POWER_GPU === true;
  const powerPreference = lowPower ? 'low-power' : 'high-performance';
  const adapter = await g.navigator.gpu!.requestAdapter({ powerPreference });
  if (!adapter) return { ok: false, reason: `Dawn found no WebGPU adapter. ${HINT}` };
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  if (isSoftwareAdapter(info)) {
    if (!allowSoftware) return { ok: false, reason: `${describeAdapter(info)} is a software adapter, slower than wasm` };
    log(`${describeAdapter(info)} runs on the CPU and is usually slower than backend: wasm.`);
  }
  const tfWebGpu = tryRequire<unknown>('@tensorflow/tfjs-backend-webgpu');
  if (!tfWebGpu.ok) return { ok: false, reason: `${tfWebGpu.reason}. ${HINT}` };
  if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `The tfjs webgpu backend failed to start. ${HINT}` };
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
    explainSyncReads(tf.backend() as unknown as SyncReader);
  }
  return { ok: true, info: { name: 'webgpu', device: describeAdapter(info) } };
}
