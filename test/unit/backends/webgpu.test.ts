import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { chunks, maxAddNInputs } from '../../../src/trainer/backends/kernels/webgpu-add-n';
import { SYNC_READ_MESSAGE } from '../../../src/trainer/backends/webgpu';
import { runFixture, vulkanEnv } from './fixtures/children';
import { HF_ARCHITECTURES, type HfTrainStepsResult } from './fixtures/hf-runs';
import type { LoopReadsResult } from './fixtures/loop-reads';
import type { WebGpuAutoResult } from './fixtures/webgpu-auto';
import type { TrainStepsResult } from './fixtures/token-data';
import type { WebGpuOpsResult } from './fixtures/webgpu-ops';

/**
 * WebGPU runs where Dawn finds an adapter: a GPU, or lavapipe (software Vulkan) when FTS_LAVAPIPE_DIR
 * names the folder scripts/setup-lavapipe.sh prepared (.ci/run sets it). Each check runs in a child
 * process that gets the Vulkan variables; without an adapter the checks skip, saying why. With
 * FTS_LAVAPIPE_DIR or FTS_REQUIRE_WEBGPU=1 set, a backend that does not start is a failure.
 */

/** Losses are logged rounded to 6 decimals; float32 sums in another order differ far less than this. */
const LOSS_TOLERANCE = 1e-4;

describe('webgpu backend', () => {
  const env = vulkanEnv();
  let ops: WebGpuOpsResult;
  let unavailable: string | undefined;

  before(async () => {
    ops = await runFixture<WebGpuOpsResult>('webgpu-ops.ts', [], env);
    if (ops.ok) return;
    assert.match(ops.reason, /^backend: webgpu is not available: .*(npm install|adapter|Vulkan)/);
    assert.equal(process.env.FTS_LAVAPIPE_DIR, undefined, `lavapipe is set up but webgpu did not start: ${ops.reason}`);
    // CI (.ci/run) requires WebGPU: a skip there would pass a broken setup as green.
    assert.notEqual(process.env.FTS_REQUIRE_WEBGPU, '1', `FTS_REQUIRE_WEBGPU=1 but webgpu did not start: ${ops.reason}`);
    unavailable = `${ops.reason.split('.')[0]} (run scripts/setup-lavapipe.sh and set FTS_LAVAPIPE_DIR)`;
  });

  it('AddN over more inputs than one shader binds, and a gather + matmul gradient', (t) => {
    if (!ops.ok) return t.skip(unavailable);
    assert.match(ops.device, /^WebGPU: /);
    assert.deepEqual(ops.addN, [190, 20, -190]);
    assert.deepEqual(ops.gatherGrad, [3, 3, 0, 0, 6, 6]);
  });

  it('softmax of a row masked throughout is uniform, as on cpu and in torch (the stock webgpu kernel gave NaN)', (t) => {
    if (!ops.ok) return t.skip(unavailable);
    assert.deepEqual(ops.maskedSoftmax.slice(0, 4), [0.25, 0.25, 0.25, 0.25]);
    assert.ok(Math.abs(ops.maskedSoftmax[4] - 1 / (1 + Math.exp(-0.3))) < 1e-6, String(ops.maskedSoftmax));
    assert.deepEqual(ops.maskedSoftmax.slice(6), [0, 0]);
  });

  it("the device gets the adapter's limits, the run says which adapter, and a tensor past a limit is refused before Dawn", (t) => {
    if (!ops.ok) return t.skip(unavailable);
    const adapter = ops.info.adapter;
    assert.ok(adapter, 'backend info carries the adapter');
    assert.equal(ops.info.device, ops.device);
    assert.match(ops.device, new RegExp(`^WebGPU: .*\\(${adapter.vendor} ${adapter.architecture}, ${adapter.backend}\\)`));
    // The device has what the adapter offers, not WebGPU's defaults (256 MiB buffers, 16 KiB workgroup storage, 8 buffers).
    assert.deepEqual(adapter.limits, {
      maxBufferSize: ops.deviceLimits.maxBufferSize,
      maxStorageBufferBindingSize: ops.deviceLimits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: ops.deviceLimits.maxComputeWorkgroupStorageSize,
    });
    if (adapter.software) {
      // lavapipe offers more than the defaults: 4 GiB buffers, 32 KiB workgroup storage, 16 storage buffers per stage.
      assert.ok(ops.deviceLimits.maxBufferSize > 256 * 1024 ** 2 && ops.deviceLimits.maxComputeWorkgroupStorageSize > 16384 && ops.deviceLimits.maxStorageBuffersPerShaderStage > 8, JSON.stringify(ops.deviceLimits));
    }
    if (adapter.limits.maxStorageBufferBindingSize <= 134217728) {
      assert.match(ops.tooLarge, /^backend webgpu: a float32 tensor of shape \[8193, 4096\] needs 128\.0 MiB \(134234112 bytes\), more than .* allows in one buffer \(maxStorageBufferBindingSize 128 MiB\)\. Lower per_device_train_batch_size .* or use backend: wasm or cpu/);
    }
  });

  it('backend auto lists the adapters it found (debug, shown by --verbose) and keeps to wasm/cpu on a software adapter', async (t) => {
    if (!ops.ok) return t.skip(unavailable);
    const auto = await runFixture<WebGpuAutoResult>('webgpu-auto.ts', [], env);
    const listing = auto.messages.find((m) => m.text.startsWith('WebGPU adapters found'));
    assert.ok(listing, JSON.stringify(auto.messages));
    assert.equal(listing.level, 'debug');
    assert.ok(listing.text.includes(ops.device), listing.text);
    assert.match(listing.text, /max buffer .*, storage binding .*, workgroup storage /);
    if (ops.info.adapter?.software) {
      assert.notEqual(auto.info.name, 'webgpu');
      assert.match(listing.text, /none used/);
      assert.ok(auto.messages.some((m) => m.level === 'debug' && /skipped webgpu: only software adapters were found \(WebGPU: .*\), slower than wasm/.test(m.text)), JSON.stringify(auto.messages));
    } else {
      assert.equal(auto.info.name, 'webgpu');
    }
  });

  it('a synchronous read in Node fails saying why and what to use instead', (t) => {
    if (!ops.ok) return t.skip(unavailable);
    // Browsers read synchronously through OffscreenCanvas; Node has none.
    if (typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'undefined') assert.equal(ops.syncRead, SYNC_READ_MESSAGE);
  });

  for (const architecture of ['text-classifier', 'transformer-encoder']) {
    it(`${architecture}: 8 Trainer steps from one seed give the cpu losses within ${LOSS_TOLERANCE}`, async (t) => {
      if (!ops.ok) return t.skip(unavailable);
      const [gpu, cpu] = await Promise.all([
        runFixture<TrainStepsResult>('train-steps.ts', ['webgpu', architecture], env),
        runFixture<TrainStepsResult>('train-steps.ts', ['cpu', architecture]),
      ]);
      assert.ok(gpu.ok && cpu.ok, JSON.stringify({ gpu, cpu }));
      assert.equal(gpu.backend, 'webgpu');
      assert.equal(cpu.backend, 'cpu');
      assert.equal(gpu.losses.length, 8);
      assert.equal(cpu.losses.length, 8);
      gpu.losses.forEach((loss, i) => assert.ok(Math.abs(loss - cpu.losses[i]) <= LOSS_TOLERANCE, `step ${i + 1}: webgpu ${loss}, cpu ${cpu.losses[i]}`));
    });
  }

  it(`every HF architecture (${HF_ARCHITECTURES.join(', ')}): 5 steps of a whole run give the cpu losses within ${LOSS_TOLERANCE}`, async (t) => {
    if (!ops.ok) return t.skip(unavailable);
    // One child per backend runs every architecture (the tiny checkpoints of test/fixtures/hf and hf-lm).
    const [gpu, cpu] = await Promise.all([
      runFixture<HfTrainStepsResult>('hf-train-steps.ts', ['webgpu', '5'], env),
      runFixture<HfTrainStepsResult>('hf-train-steps.ts', ['cpu', '5']),
    ]);
    assert.ok(gpu.ok && cpu.ok, JSON.stringify({ gpu, cpu }));
    assert.deepEqual(gpu.failures, {});
    assert.deepEqual(cpu.failures, {});
    assert.equal(gpu.backend.name, 'webgpu');
    for (const name of HF_ARCHITECTURES) {
      assert.equal(gpu.losses[name].length, 5, name);
      assert.equal(cpu.losses[name].length, 5, name);
      gpu.losses[name].forEach((loss, i) =>
        assert.ok(Math.abs(loss - cpu.losses[name][i]) <= LOSS_TOLERANCE, `${name} step ${i + 1}: webgpu ${loss}, cpu ${cpu.losses[name][i]}`),
      );
    }
  });

  it('the Trainer reads nothing from the device between logging steps: one async read per log (losses and grad norm together), none synchronous', async (t) => {
    if (!ops.ok) return t.skip(unavailable);
    const result = await runFixture<LoopReadsResult>('loop-reads.ts', ['8', '4'], env);
    assert.ok(result.ok, JSON.stringify(result));
    const summary = result.steps.map((s) => ({ step: s.step, reads: s.reads, syncReads: s.syncReads, logged: s.logged }));
    // Step 1 reads its loss at once (a broken computeLoss fails before a whole log interval).
    assert.deepEqual(
      summary,
      [1, 2, 3, 4, 5, 6, 7, 8].map((step) => ({ step, reads: [1, 4, 8].includes(step) ? 1 : 0, syncReads: 0, logged: step % 4 === 0 })),
    );
  });
});

describe('webgpu AddN chunking', () => {
  it('binds at most the stage limit less the output, 8 buffers when the device says nothing', () => {
    const backend = (limit?: number) => ({ device: { limits: { maxStorageBuffersPerShaderStage: limit } }, disposeData: () => true });
    assert.equal(maxAddNInputs(backend(8)), 7);
    assert.equal(maxAddNInputs(backend(10)), 9);
    assert.equal(maxAddNInputs(backend()), 7);
    assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});
