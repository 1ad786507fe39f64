import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { maskStrides } from '../../../src/trainer/backends/kernels/webgpu-fused/softmax';
import { gridFor, shaderSource } from '../../../src/trainer/backends/kernels/webgpu-fused/runner';
import { runFixture, unavailableReason, vulkanEnv } from './fixtures/children';
import type { WebGpuFusedResult } from './fixtures/webgpu-fused';

/**
 * The fused ops' WGSL kernels (src/trainer/backends/kernels/webgpu-fused) against the cpu backend,
 * which runs the ops' composites: forward output and every input's gradient, on shapes whose rows
 * are not multiples of the workgroup size. Runs in a child with the Vulkan variables (lavapipe in
 * CI); skips, saying why, only where no WebGPU adapter exists and none is required.
 */

/** float32 sums in another order: relative differences of a few 1e-6 at most on these sizes. */
const TOLERANCE = 2e-5;

describe('webgpu fused kernels', () => {
  let result: WebGpuFusedResult;
  before(async () => {
    result = await runFixture<WebGpuFusedResult>('webgpu-fused.ts', [], vulkanEnv());
  });

  it('each fused op forward and backward on webgpu equals the cpu composite, through our kernels', (t) => {
    if (!result.ok) return t.skip(unavailableReason(result.reason));
    const ops = ['LayerNorm', 'RmsNorm', 'MaskedSoftmax', 'Gelu', 'SwiGlu'];
    for (const op of ops) assert.ok(result.cases.some((c) => c.kernels.includes(`Fts${op}`)), `no case ran Fts${op}`);
    for (const c of result.cases) {
      assert.ok(c.error <= TOLERANCE, `${c.name}: error ${c.error}`);
      // Both directions ran our kernels (a composite fallback would also match the numbers).
      assert.equal(c.kernels.length, 2, `${c.name} ran ${c.kernels.join(', ')}`);
      assert.ok(c.kernels.some((k) => k.endsWith('Grad')), `${c.name} ran no backward kernel`);
    }
  });
});

describe('webgpu fused kernel helpers', () => {
  it('a mask broadcasts through zero strides, and one that does not broadcast is refused', () => {
    assert.deepEqual(maskStrides([2, 1, 1, 67], [2, 3, 5, 67]), [67, 0, 0, 1]);
    assert.deepEqual(maskStrides([1, 1, 70, 70], [4, 2, 70, 70]), [0, 0, 70, 1]);
    assert.deepEqual(maskStrides([67], [2, 3, 5, 67]), [0, 0, 0, 1]);
    assert.deepEqual(maskStrides([2, 3, 5, 67], [2, 3, 5, 67]), [1005, 335, 67, 1]);
    assert.throws(() => maskStrides([2, 1, 1, 66], [2, 3, 5, 67]), /mask \[2,1,1,66\] does not broadcast to scores \[2,3,5,67\]/);
  });

  it('a grid wraps past the per-dimension workgroup limit', () => {
    assert.deepEqual(gridFor(10), [10, 1, 1]);
    assert.deepEqual(gridFor(70000), [65535, 2, 1]);
    assert.deepEqual(gridFor(0), [1, 1, 1]);
  });

  it('a shader declares its storage buffers in order, written ones read_write, then the uniforms', () => {
    const tensor = { dataId: {}, shape: [1], dtype: 'float32' as const };
    const source = shaderSource({
      body: 'fn main() {}',
      bindings: [{ tensor }, { tensor, write: true }],
      names: ['x', 'y'],
      uniforms: [{ name: 'n', type: 'u32', value: 1 }, { name: 'eps', type: 'f32', value: 0.5 }],
    });
    assert.match(source, /@binding\(0\) var<storage, read> x: array<f32>;\n@group\(0\) @binding\(1\) var<storage, read_write> y: array<f32>;/);
    assert.match(source, /struct Uniforms \{\n {2}n: u32,\n {2}eps: f32,\n\};\n@group\(0\) @binding\(2\) var<uniform> u: Uniforms;/);
  });
});
