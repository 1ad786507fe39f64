import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, locateWasmDir, registerFastKernels } from '../../../src/trainer/backends';
import { resolveThreads } from '../../../src/trainer/backends/threads';
import { describeAdapter, isSoftwareAdapter } from '../../../src/trainer/backends/webgpu';

function installed(name: string): boolean {
  try {
    createRequire(__filename).resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('cpu', async () => {
    const info = await initBackend({ backend: 'cpu' });
    assert.equal(info.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.match(info.device, /CPU/);
  });

  it('wasm: SIMD, one thread, fast kernels registered once', async () => {
    const info = await initBackend({ backend: 'wasm', threads: 'auto' });
    assert.deepEqual(info, { name: 'wasm', device: 'CPU, wasm SIMD, 1 thread', simd: true, threads: 1 });
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
    assert.deepEqual(registerFastKernels('wasm'), [], 'a second registration is a no-op');
  });

  it('wasm: a second start asking for more threads keeps the running count and says so', async () => {
    const messages: string[] = [];
    const info = await initBackend({ backend: 'wasm', threads: 2 }, (m) => messages.push(m));
    assert.equal(info.threads, 1);
    assert.ok(messages.some((m) => /threads: 2 not applied: the wasm backend was already running 1 thread/.test(m)), messages.join('\n'));
  });

  it('auto picks the fastest that loads and logs what it skipped', async () => {
    const messages: string[] = [];
    const info = await initBackend({ backend: 'auto' }, (m) => messages.push(m));
    assert.equal(tf.getBackend(), info.name);
    // auto never settles for a software WebGPU adapter (lavapipe, llvmpipe): wasm is faster.
    if (info.name === 'webgpu') assert.doesNotMatch(info.device, /software/);
    if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu') && info.name !== 'webgpu') {
      assert.equal(info.name, 'wasm');
      assert.ok(messages.some((m) => m.includes('skipped tensorflow: @tensorflow/tfjs-node is not installed')));
    }
  });

  it('an explicit backend that cannot load is an error saying what to install', async (t) => {
    if (installed('@tensorflow/tfjs-node')) return t.skip('@tensorflow/tfjs-node is installed here');
    await assert.rejects(initBackend({ backend: 'tensorflow' }), /backend: tensorflow is not available: @tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/);
  });

  it('resolves thread counts: auto is 1, N is capped at the cores and the pool of 8', () => {
    assert.throws(() => resolveThreads(0, 4), /positive integer/);
    assert.throws(() => resolveThreads(1.5, 4), /positive integer/);
    assert.deepEqual(resolveThreads('auto', 16), { threads: 1 });
    assert.deepEqual(resolveThreads(undefined, 16), { threads: 1 });
    assert.deepEqual(resolveThreads(2, 2), { threads: 2 });
    assert.deepEqual(resolveThreads(4, 2), { threads: 2, warning: 'threads: 4 lowered to 2 (this machine has 2 logical cores).' });
    assert.deepEqual(resolveThreads(12, 32), { threads: 8, warning: "threads: 12 lowered to 8 (the wasm backend's thread pool holds 8)." });
  });

  it('finds the wasm binaries', () => {
    const dir = locateWasmDir();
    assert.ok(dir && existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')));
  });
});

describe('webgpu adapter choice', () => {
  it('treats lavapipe/llvmpipe/SwiftShader as software', () => {
    assert.ok(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software' }));
    assert.ok(isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }));
    assert.ok(!isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }));
    assert.equal(describeAdapter({ vendor: 'nvidia', description: 'NVIDIA H200' }), 'WebGPU: NVIDIA H200');
  });
});
