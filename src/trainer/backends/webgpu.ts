/**
 * WebGPU in Node through Dawn (the optional `webgpu` package) and the optional
 * @tensorflow/tfjs-backend-webgpu. Setup order matters: Dawn's globals, then navigator.gpu, then
 * the tfjs backend, which registers itself only if navigator.gpu exists when it is imported. The
 * adapter is chosen here (webgpu-adapters.ts) and tfjs's device is made on it with the adapter's
 * limits; every tensor's size is checked against them before its buffer is made (webgpu-limits.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt } from './native';
import { tryRequire } from './optional-require';
import {
  adapterSummary,
  chooseAdapter,
  describeAdapter,
  formatAdapterList,
  isSoftwareAdapter,
  parseAdapterList,
  type AdapterCandidate,
  type AdapterInfo,
} from './webgpu-adapters';
import { gpuLimits, guardBufferSizes, requiredLimits, type LimitName, type UploadingBackend } from './webgpu-limits';

/** initBackend's log: warnings by default; debug lines show with --verbose. */
export type BackendLog = (message: string, level?: 'debug' | 'warning') => void;

/** The few WebGPU types used here (no @webgpu/types dependency). */
interface Adapter {
  info?: AdapterInfo;
  limits: Partial<Record<LimitName, number>>;
  features: { has(name: string): boolean };
  requestAdapterInfo?(): Promise<AdapterInfo>;
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Partial<Record<LimitName, number>> }): Promise<unknown>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<Adapter | null>;
}
interface WebGpuPackage {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}
/** What tfjs-backend-webgpu exports that is used here. */
interface TfWebGpuPackage {
  WebGPUBackend: new (device: unknown, adapterInfo?: AdapterInfo) => tf.KernelBackend;
}

/** Marks the backend instance with the adapter it was made on, for a later initBackend in the process. */
const ADAPTER = Symbol.for('finetuneStudio.webgpuAdapter');
type MarkedBackend = tf.KernelBackend & { [ADAPTER]?: AdapterCandidate };

/** An adapter Dawn found, with the Dawn instance it came from (kept alive while it is used). */
interface Found extends AdapterCandidate {
  gpu: Gpu;
  adapter: Adapter;
}

const HINT =
  'Install the optional packages with `npm install --save-optional webgpu @tensorflow/tfjs-backend-webgpu@4.22.0`; ' +
  'Dawn needs a Vulkan, Metal or D3D12 driver.';

export { isSoftwareAdapter, describeAdapter } from './webgpu-adapters';

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

async function candidate(gpu: Gpu, adapter: Adapter, name: string, backend: string | undefined): Promise<Found> {
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  return { gpu, adapter, name: name || info.description || info.device || 'adapter', backend, info, limits: gpuLimits(adapter.limits) };
}

/**
 * Every adapter Dawn finds, the one it gives for `powerPreference` first. Dawn has no listing call:
 * it lists its adapters in the error for an adapter name that matches none, and each is then
 * requested by its name and backend.
 */
async function findAdapters(dawn: WebGpuPackage, powerPreference: string): Promise<Found[]> {
  const gpu = dawn.create([]);
  const first = await gpu.requestAdapter({ powerPreference });
  let listed: Array<{ backend: string; name: string }> = [];
  try {
    await dawn.create(['adapter=finetune-studio: list adapters']).requestAdapter({ powerPreference });
  } catch (error) {
    listed = parseAdapterList(error instanceof Error ? error.message : String(error));
  }
  const found: Found[] = first ? [await candidate(gpu, first, '', undefined)] : [];
  for (const { backend, name } of listed) {
    const other = dawn.create([`adapter=${name}`, `backend=${backend}`]);
    const adapter = await other.requestAdapter({ powerPreference }).catch(() => null);
    if (!adapter) continue;
    const next = await candidate(other, adapter, name, backend);
    const same = found.findIndex((f) => f.backend === undefined && f.info.description === next.info.description && f.info.device === next.info.device);
    // The default adapter is one of the listed: keep its place, learn its name and backend.
    if (same >= 0) found[same] = { ...next, gpu: found[same].gpu, adapter: found[same].adapter };
    else found.push(next);
  }
  return found;
}

/** The device tfjs runs on: the chosen adapter's limits, the features tfjs uses. */
function registerOnAdapter(tfWebGpu: TfWebGpuPackage, chosen: Found): void {
  const requiredFeatures = ['timestamp-query'].filter((f) => chosen.adapter.features.has(f));
  const limits = requiredLimits(chosen.adapter.limits);
  // tfjs-backend-webgpu registered its own factory, which asks for an adapter again: ours uses the chosen one.
  tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const device = await chosen.adapter.requestDevice({ requiredFeatures, requiredLimits: limits });
      const backend = new tfWebGpu.WebGPUBackend(device, chosen.info) as MarkedBackend;
      const { gpu: _gpu, adapter: _adapter, ...summary } = chosen;
      backend[ADAPTER] = { ...summary, limits: gpuLimits((device as { limits: Partial<Record<LimitName, number>> }).limits) };
      guardBufferSizes(backend as unknown as UploadingBackend, backend[ADAPTER].limits, adapterSummary(backend[ADAPTER]).name);
      return backend;
    },
    3,
  );
}

function started(candidate: AdapterCandidate): Attempt {
  if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') {
    explainSyncReads(tf.backend() as unknown as SyncReader);
  }
  return { ok: true, info: { name: 'webgpu', device: describeAdapter(candidate), adapter: adapterSummary(candidate) } };
}

/**
 * Starts backend webgpu on the adapter chooseAdapter picks. With allowSoftware false (backend:
 * auto), a software adapter is refused. The adapters found are logged at debug level (--verbose).
 */
export async function tryWebGpu(allowSoftware: boolean, log: BackendLog): Promise<Attempt> {
  const running = tf.findBackend('webgpu') as MarkedBackend | null;
  const made = running?.[ADAPTER];
  if (made) {
    // Made by an earlier initBackend in this process: a process has one device.
    if (isSoftwareAdapter(made.info) && !allowSoftware) return { ok: false, reason: `${describeAdapter(made)} is a software adapter, slower than wasm` };
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `The tfjs webgpu backend failed to start. ${HINT}` };
    return started(made);
  }
  if (!allowSoftware && !hasVulkanLoader()) return { ok: false, reason: 'no Vulkan loader (libvulkan.so.1) is installed' };
  const dawn = tryRequire<WebGpuPackage>('webgpu');
  if (!dawn.ok) return { ok: false, reason: `${dawn.reason}. ${HINT}` };
  Object.assign(globalThis, dawn.module.globals);
  // The same preference tfjs-backend-webgpu would ask with (its flag exists once that package is loaded).
  const lowPower = tf.env().getFlags().WEBGPU_USE_LOW_POWER_GPU === true;
  const found = await findAdapters(dawn.module, lowPower ? 'low-power' : 'high-performance');
  const choice = chooseAdapter(found, allowSoftware);
  if (found.length > 0) log(formatAdapterList(found, choice.ok ? found.find((f) => f === choice.chosen) : undefined), 'debug');
  if (!choice.ok) return { ok: false, reason: found.length === 0 ? `${choice.reason}. ${HINT}` : choice.reason };
  const chosen = choice.chosen as Found;
  if (isSoftwareAdapter(chosen.info)) log(`${describeAdapter(chosen)} runs on the CPU and is usually slower than backend: wasm.`);
  const g = globalThis as unknown as { navigator?: { gpu?: Gpu } };
  if (!g.navigator) g.navigator = {};
  // tfjs-backend-webgpu registers itself only if navigator.gpu exists when it is first loaded.
  g.navigator.gpu ??= chosen.gpu;
  const tfWebGpu = tryRequire<TfWebGpuPackage>('@tensorflow/tfjs-backend-webgpu');
  if (!tfWebGpu.ok) return { ok: false, reason: `${tfWebGpu.reason}. ${HINT}` };
  registerOnAdapter(tfWebGpu.module, chosen);
  if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: `The tfjs webgpu backend failed to start. ${HINT}` };
  return started((tf.backend() as MarkedBackend)[ADAPTER] ?? chosen);
}
