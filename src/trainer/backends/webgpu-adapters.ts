/**
 * Which WebGPU adapter a run uses, and how it is described: pure functions over the adapter info and
 * limits Dawn reports (webgpu.ts asks Dawn; the tests give made-up adapters).
 */
import type { GpuAdapterSummary, GpuLimits } from '../../protocol/events';

/** GPUAdapterInfo's fields that Dawn fills. */
export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** One adapter Dawn found: its info and limits, and the Dawn backend (vulkan, metal, d3d12, opengl…) it runs on. */
export interface AdapterCandidate {
  /** The name Dawn lists it under (its `adapter=` flag selects it). */
  name: string;
  backend?: string;
  info: AdapterInfo;
  limits: GpuLimits;
}

/** Dawn's backends with the full WebGPU feature set; the others (OpenGL, D3D11) run in compatibility mode. */
const CORE_BACKENDS = new Set(['vulkan', 'metal', 'd3d12']);

/** Software rasterisers (lavapipe/llvmpipe, SwiftShader, WARP) run on the CPU and are slower than wasm. */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  if (info.architecture === 'software' || info.isFallbackAdapter === true) return true;
  return /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render/i.test(`${info.description ?? ''} ${info.device ?? ''}`);
}

function adapterName(candidate: Pick<AdapterCandidate, 'info'> & { name?: string }): string {
  const info = candidate.info;
  return info.description || candidate.name || info.device || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown adapter';
}

/** 4294967296 → "4 GiB", 32768 → "32 KiB". */
export function formatLimit(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The limits that decide what fits: "max buffer 4 GiB, storage binding 128 MiB, workgroup storage 32 KiB". */
export function describeLimits(limits: GpuLimits): string {
  return [
    `max buffer ${formatLimit(limits.maxBufferSize)}`,
    `storage binding ${formatLimit(limits.maxStorageBufferBindingSize)}`,
    `workgroup storage ${formatLimit(limits.maxComputeWorkgroupStorageSize)}`,
  ].join(', ');
}

/** "WebGPU: NVIDIA H200 (nvidia hopper, vulkan)", with "(software)" for a CPU rasteriser. */
export function describeAdapter(candidate: Pick<AdapterCandidate, 'info'> & { name?: string; backend?: string }): string {
  const { vendor, architecture } = candidate.info;
  const details = [[vendor, architecture].filter(Boolean).join(' '), candidate.backend].filter(Boolean).join(', ');
  return `WebGPU: ${adapterName(candidate)}${details ? ` (${details})` : ''}${isSoftwareAdapter(candidate.info) ? ' (software)' : ''}`;
}

/** What runStart and the CLI header say about the adapter. */
export function adapterSummary(candidate: AdapterCandidate): GpuAdapterSummary {
  const { vendor, architecture } = candidate.info;
  return {
    name: adapterName(candidate),
    vendor: vendor ?? '',
    architecture: architecture ?? '',
    ...(candidate.backend ? { backend: candidate.backend } : {}),
    software: isSoftwareAdapter(candidate.info),
    limits: candidate.limits,
  };
}

/**
 * Dawn lists the adapters it found when asked for one by a name that matches none:
 *   "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'"
 */
export function parseAdapterList(message: string): Array<{ backend: string; name: string }> {
  const found: Array<{ backend: string; name: string }> = [];
  for (const match of message.matchAll(/^\s*\*\s*backend:\s*'([^']*)',\s*name:\s*'(.*)'\s*$/gm)) found.push({ backend: match[1], name: match[2] });
  return found;
}

export type AdapterChoice = { ok: true; chosen: AdapterCandidate } | { ok: false; reason: string };

/**
 * A hardware adapter on a core backend first, then hardware on a compatibility backend, each in
 * Dawn's order (the high-performance one first). A software adapter only when `allowSoftware`
 * (an explicit `backend: webgpu`); `auto` refuses it, since wasm is faster.
 */
export function chooseAdapter(candidates: readonly AdapterCandidate[], allowSoftware: boolean): AdapterChoice {
  if (candidates.length === 0) return { ok: false, reason: 'Dawn found no WebGPU adapter' };
  const ranked = [...candidates].sort((a, b) => rank(a) - rank(b));
  const best = ranked[0];
  if (!isSoftwareAdapter(best.info) || allowSoftware) return { ok: true, chosen: best };
  const names = candidates.map((c) => describeAdapter(c)).join('; ');
  return { ok: false, reason: `only software adapters were found (${names}), slower than wasm; set backend: webgpu to use one anyway` };
}

function rank(candidate: AdapterCandidate): number {
  const software = isSoftwareAdapter(candidate.info) ? 2 : 0;
  const compat = candidate.backend === undefined || CORE_BACKENDS.has(candidate.backend) ? 0 : 1;
  return software + compat;
}

/** For --verbose: one line per adapter, the chosen one marked. */
export function formatAdapterList(candidates: readonly AdapterCandidate[], chosen: AdapterCandidate | undefined): string {
  const lines = candidates.map((c) => `  ${c === chosen ? '*' : '-'} ${describeAdapter(c)}: ${describeLimits(c.limits)}`);
  return `WebGPU adapters found (${candidates.length}${chosen ? ', * = used' : ', none used'}):\n${lines.join('\n')}`;
}
