/**
 * Runs one WGSL compute shader of ours on tfjs's WebGPU backend, recorded into the backend's own
 * command encoder so it is ordered with every tfjs kernel around it.
 *
 * tfjs's runWebGPUProgram binds one output and read-only inputs; the fused kernels need several
 * outputs (LayerNorm's y, mean and invStd) and in-place updates (AdamW's weights and moments), so
 * the shader here declares all of its own bindings: storage buffers in the order given, then one
 * uniform block. Under tf.profile / tf.time the dispatch is timed with timestamp queries as tfjs
 * times its own programs.
 */
import * as tf from '@tensorflow/tfjs';

/** The few GPU objects used here (no @webgpu/types dependency). */
interface GpuBuffer {
  readonly size: number;
}
interface GpuPass {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}
interface GpuDevice {
  createShaderModule(descriptor: { code: string; label?: string }): unknown;
  createComputePipeline(descriptor: { layout: 'auto'; compute: { module: unknown; entryPoint: string }; label?: string }): GpuPipeline;
  createBindGroup(descriptor: { layout: unknown; entries: { binding: number; resource: unknown }[] }): unknown;
  createQuerySet(descriptor: { type: 'timestamp'; count: number }): unknown;
  pushErrorScope(filter: 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
  limits: { maxComputeWorkgroupsPerDimension: number; maxStorageBufferBindingSize: number };
}
interface GpuPipeline {
  getBindGroupLayout(index: number): unknown;
}
interface TensorData {
  values: tf.BackendValues | null;
  resource: GpuBuffer | null;
  refCount: number;
}

/** The part of tfjs-backend-webgpu's WebGPUBackend used here (the package is optional, so it is not imported). */
export interface WebGpuBackendLike {
  device: GpuDevice;
  tensorMap: { get(dataId: tf.DataId): TensorData | undefined };
  pipelineCache: Record<string, unknown>;
  commandEncoder: { beginComputePass(descriptor: object): GpuPass } | null;
  computePassEncoder: GpuPass | null;
  commandQueueOwnedIds: WeakSet<tf.DataId>;
  dispatchCountInPass: number;
  activeTimers?: { name: string; query: Promise<number> }[] | null;
  supportTimestampQuery: boolean;
  querySet?: unknown;
  querySetCount: number;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
  uploadToGPU(dataId: tf.DataId): void;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  makeUniforms(uniforms: { type: 'float32' | 'int32' | 'uint32'; data: number[] }[]): unknown;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
}

export interface Binding {
  tensor: tf.TensorInfo;
  /** Written by the shader (declared read_write); its CPU copy, if any, is dropped. */
  write?: boolean;
}

export interface Uniform {
  name: string;
  type: 'f32' | 'u32';
  value: number;
}

export interface Dispatch {
  /** Names the pipeline in the backend's cache: the same key must always mean the same source. */
  key: string;
  /** The shader body: helper functions and `fn main(...)`; bindings and the uniform struct are generated. */
  body: string;
  /** Storage bindings in order: `b0`, `b1`, ... in the shader unless `names` says otherwise. */
  bindings: Binding[];
  names: string[];
  uniforms: Uniform[];
  /** Workgroups along x, y, z. */
  workgroups: [number, number, number];
}

const WGSL_TYPE = { f32: 'f32', u32: 'u32' } as const;

/** The shader source: bindings, the uniform block, then `body`. */
export function shaderSource(d: Pick<Dispatch, 'body' | 'bindings' | 'names' | 'uniforms'>): string {
  const storage = d.bindings.map(
    (b, i) => `@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${d.names[i]}: array<f32>;`,
  );
  const fields = d.uniforms.length > 0 ? d.uniforms.map((u) => `  ${u.name}: ${WGSL_TYPE[u.type]},`) : ['  unused: u32,'];
  return [
    ...storage,
    `struct Uniforms {\n${fields.join('\n')}\n};`,
    `@group(0) @binding(${d.bindings.length}) var<uniform> u: Uniforms;`,
    d.body,
  ].join('\n');
}

/**
 * Workgroups for `count` independent groups of work: x up to the device's per-dimension limit, the
 * rest along y (the shader computes its group as `wid.x + wid.y * nwg.x` and skips those past `count`).
 */
export function gridFor(count: number, limit = 65535): [number, number, number] {
  const x = Math.max(1, Math.min(count, limit));
  return [x, Math.max(1, Math.ceil(count / x)), 1];
}

/** A new float32 tensor on the GPU, its contents undefined until a shader writes them. */
export function makeOutput(backend: WebGpuBackendLike, shape: number[]): tf.TensorInfo {
  const info = backend.makeTensorInfo(shape, 'float32');
  backend.uploadToGPU(info.dataId);
  return info;
}

/** Records the dispatch into the backend's current compute pass (submitting as tfjs does). */
export function runShader(backend: WebGpuBackendLike, d: Dispatch): void {
  const cacheKey = `fts:${d.key}`;
  const cached = backend.pipelineCache[cacheKey];
  if (cached instanceof Error) throw cached;
  let pipeline = cached as GpuPipeline | undefined;
  if (!pipeline) {
    // WebGPU reports a shader that does not compile asynchronously, and the dispatch then writes
    // nothing: the error replaces the cached pipeline, so the next call of this kernel throws it.
    backend.device.pushErrorScope('validation');
    const module = backend.device.createShaderModule({ code: shaderSource(d), label: d.key });
    pipeline = backend.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: d.key });
    backend.pipelineCache[cacheKey] = pipeline;
    void backend.device.popErrorScope().then((error) => {
      if (error) backend.pipelineCache[cacheKey] = new Error(`WebGPU kernel ${d.key} does not compile: ${error.message}`);
    });
  }
  const limit = backend.device.limits.maxStorageBufferBindingSize;
  const entries = d.bindings.map((b, i) => {
    backend.uploadToGPU(b.tensor.dataId);
    const data = backend.tensorMap.get(b.tensor.dataId);
    if (!data?.resource) throw new Error(`${d.key}: binding ${d.names[i]} has no GPU buffer (was the tensor disposed?)`);
    if (data.resource.size > limit) {
      throw new Error(
        `${d.key}: tensor ${d.names[i]} [${b.tensor.shape}] needs ${data.resource.size} bytes, more than this device binds ` +
          `(maxStorageBufferBindingSize ${limit}); use a smaller batch or sequence length.`,
      );
    }
    if (b.write) data.values = null;
    return { binding: i, resource: { buffer: data.resource } as unknown };
  });
  const uniforms = d.uniforms.length > 0 ? d.uniforms : [{ name: 'unused', type: 'u32' as const, value: 0 }];
  entries.push({
    binding: d.bindings.length,
    resource: backend.makeUniforms(uniforms.map((u) => ({ type: u.type === 'f32' ? 'float32' : 'uint32', data: [u.value] }))),
  });
  for (const b of d.bindings) backend.commandQueueOwnedIds.add(b.tensor.dataId);
  const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  const timed = backend.activeTimers != null && backend.supportTimestampQuery;
  if (timed) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!backend.computePassEncoder) {
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  }
  const pass = backend.computePassEncoder!;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...d.workgroups);
  backend.dispatchCountInPass++;
  if (timed) {
    backend.endComputePassEncoder();
    backend.activeTimers!.push({ name: d.key, query: backend.getQueryTime() });
  } else if (backend.dispatchCountInPass >= deferredSubmitBatch()) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/** tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: dispatches recorded before a submit (the flag exists once the backend is loaded). */
function deferredSubmitBatch(): number {
  return tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE');
}
