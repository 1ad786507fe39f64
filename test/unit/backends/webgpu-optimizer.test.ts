import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runFixture, unavailableReason, vulkanEnv } from './fixtures/children';
import type { WebGpuOptimizerResult } from './fixtures/webgpu-optimizer';

/**
 * The optimizer step on webgpu (src/trainer/backends/kernels/webgpu-fused/optimizer.ts): the global
 * gradient norm and clip coefficient on the GPU, AdamW / Adam in place, one dispatch per weight,
 * against the same steps on the cpu backend. Runs in a child with the Vulkan variables.
 */

/** float32 sums in another order: relative differences of a few 1e-7 on these sizes. */
const TOLERANCE = 2e-5;

describe('webgpu optimizer step', () => {
  let optimizer: WebGpuOptimizerResult;
  before(async () => {
    optimizer = await runFixture<WebGpuOptimizerResult>('webgpu-optimizer.ts', [], vulkanEnv());
  });

  it('clipping and AdamW / Adam steps on webgpu equal the cpu ones, with no tfjs kernel and no write through a shared buffer', (t) => {
    if (!optimizer.ok) return t.skip(unavailableReason(optimizer.reason));
    assert.equal(optimizer.cases.length, 4);
    for (const c of optimizer.cases) {
      assert.ok(c.error <= TOLERANCE, `${c.name}: error ${c.error}`);
      assert.equal(c.norms.length, 3);
      // The norm and the update are our dispatches: tfjs ran nothing for them.
      assert.deepEqual(c.kernels, [], `${c.name} ran tfjs kernels ${c.kernels.join(', ')}`);
      assert.ok(c.sourceIntact, `${c.name}: the tensor a weight was made from changed`);
    }
  });
});
