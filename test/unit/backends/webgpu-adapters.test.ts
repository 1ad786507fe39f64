/**
 * The WebGPU adapter choice and the tensor-size check, on made-up adapters (the info and limits Dawn
 * reports for them); webgpu.test.ts runs the same code on lavapipe.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adapterSummary,
  chooseAdapter,
  describeAdapter,
  formatAdapterList,
  parseAdapterList,
  type AdapterCandidate,
} from '../../../src/trainer/backends/webgpu-adapters';
import { gpuLimits, guardBufferSizes, requiredLimits, tensorTooLarge, type UploadingBackend } from '../../../src/trainer/backends/webgpu-limits';

const GIB = 1024 ** 3;
const limits = (binding: number, buffer = 4 * GIB, workgroup = 32768) => ({ maxBufferSize: buffer, maxStorageBufferBindingSize: binding, maxComputeWorkgroupStorageSize: workgroup });

const lavapipe: AdapterCandidate = {
  name: 'llvmpipe (LLVM 15.0.6, 256 bits)',
  backend: 'vulkan',
  info: { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)', isFallbackAdapter: true },
  limits: limits(128 * 1024 ** 2),
};
const h200: AdapterCandidate = {
  name: 'NVIDIA H200',
  backend: 'vulkan',
  info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' },
  limits: limits(2 * GIB, 4 * GIB, 49152),
};
const h200OnGl: AdapterCandidate = { ...h200, backend: 'opengles' };
const intel: AdapterCandidate = {
  name: 'Intel(R) UHD Graphics 770',
  backend: 'vulkan',
  info: { vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) UHD Graphics 770 (ADL-S GT1)' },
  limits: limits(GIB, 2 * GIB),
};

describe('webgpu adapter choice', () => {
  it('auto takes a hardware adapter over a software one, whatever the order', () => {
    const choice = chooseAdapter([lavapipe, h200], false);
    assert.ok(choice.ok);
    assert.equal(choice.chosen, h200);
  });

  it('keeps Dawn order among hardware adapters (the high-performance one first), a core backend before OpenGL', () => {
    const first = chooseAdapter([h200, intel], false);
    assert.ok(first.ok && first.chosen === h200);
    const gl = chooseAdapter([h200OnGl, intel], false);
    assert.ok(gl.ok && gl.chosen === intel);
  });

  it('auto refuses lavapipe, naming it; an explicit backend: webgpu takes it', () => {
    const auto = chooseAdapter([lavapipe], false);
    assert.ok(!auto.ok);
    assert.match(auto.reason, /only software adapters were found \(WebGPU: llvmpipe: Mesa 25\.0\.7 \(LLVM 15\.0\.6\) \(mesa software, vulkan\) \(software\)\), slower than wasm; set backend: webgpu/);
    const explicit = chooseAdapter([lavapipe], true);
    assert.ok(explicit.ok && explicit.chosen === lavapipe);
    assert.deepEqual(chooseAdapter([], true), { ok: false, reason: 'Dawn found no WebGPU adapter' });
  });

  it('says which adapter: vendor, architecture, Dawn backend, and the limits that matter', () => {
    assert.equal(describeAdapter(h200), 'WebGPU: NVIDIA H200 (nvidia hopper, vulkan)');
    assert.deepEqual(adapterSummary(h200), {
      name: 'NVIDIA H200',
      vendor: 'nvidia',
      architecture: 'hopper',
      backend: 'vulkan',
      software: false,
      limits: { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB, maxComputeWorkgroupStorageSize: 49152 },
    });
    assert.equal(
      formatAdapterList([lavapipe, h200], h200),
      'WebGPU adapters found (2, * = used):\n' +
        '  - WebGPU: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (mesa software, vulkan) (software): max buffer 4 GiB, storage binding 128 MiB, workgroup storage 32 KiB\n' +
        '  * WebGPU: NVIDIA H200 (nvidia hopper, vulkan): max buffer 4 GiB, storage binding 2 GiB, workgroup storage 48 KiB',
    );
  });

  it("reads Dawn's adapter list from its error for a name that matches none", () => {
    const message = "no suitable backends found\nAvailable adapters:\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'\n * backend: 'opengles', name: 'ANGLE (NVIDIA, H200)'";
    assert.deepEqual(parseAdapterList(message), [
      { backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
      { backend: 'opengles', name: 'ANGLE (NVIDIA, H200)' },
    ]);
    assert.deepEqual(parseAdapterList('no suitable backends found'), []);
  });
});

describe('webgpu limits', () => {
  it("requests the adapter's own limits, not WebGPU's defaults", () => {
    const adapter = { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB, maxComputeWorkgroupStorageSize: 49152, maxStorageBuffersPerShaderStage: 16, maxTextureDimension2D: 16384 };
    assert.deepEqual(requiredLimits(adapter), { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 2 * GIB, maxComputeWorkgroupStorageSize: 49152, maxStorageBuffersPerShaderStage: 16 });
    assert.deepEqual(gpuLimits({}), { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384 });
  });

  it('a tensor past the binding limit is refused with its shape, size, the limit and what to do', () => {
    const small = limits(64 * 1024 ** 2);
    assert.equal(tensorTooLarge([4096, 4096], 'float32', small, 'NVIDIA H200'), undefined, 'exactly 64 MiB fits');
    const message = tensorTooLarge([4097, 4096], 'float32', small, 'NVIDIA H200');
    assert.equal(
      message,
      'backend webgpu: a float32 tensor of shape [4097, 4096] needs 64.0 MiB (67125248 bytes), more than NVIDIA H200 allows in one buffer (maxStorageBufferBindingSize 64 MiB). ' +
        'Lower per_device_train_batch_size (raise gradient_accumulation_steps to keep the effective batch) or max_length, or use backend: wasm or cpu, which hold tensors in machine memory.',
    );
    assert.match(tensorTooLarge([3, GIB], 'int32', limits(8 * GIB, 2 * GIB), 'x') ?? '', /\(maxBufferSize 2 GiB\)/);
  });

  it('checks a tensor before its buffer is made, and only once it has none', () => {
    const made: string[] = [];
    const tensors = new Map<object, { shape: number[]; dtype: string; resource?: unknown }>();
    const backend: UploadingBackend = { tensorMap: { get: (id) => tensors.get(id) }, uploadToGPU: (id) => void made.push(String(tensors.get(id)?.shape)) };
    guardBufferSizes(backend, limits(1024), 'tiny GPU');
    const fits = {};
    const huge = {};
    const uploaded = {};
    tensors.set(fits, { shape: [16, 16], dtype: 'float32' });
    tensors.set(huge, { shape: [16, 17], dtype: 'float32' });
    tensors.set(uploaded, { shape: [1000], dtype: 'float32', resource: {} });
    backend.uploadToGPU(fits);
    assert.throws(() => backend.uploadToGPU(huge), /a float32 tensor of shape \[16, 17\] needs 1\.1 KiB \(1088 bytes\), more than tiny GPU allows/);
    backend.uploadToGPU(uploaded);
    assert.deepEqual(made, ['16,16', '1000']);
  });
});
