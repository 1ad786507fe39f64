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

  it('wasm: threads > 1 is reported as a warning and runs 1 thread', async () => {
    const messages: string[] = [];
    const info = await initBackend({ backend: 'wasm', threads: 4 }, (m) => messages.push(m));
    assert.equal(info.threads, 1);
    assert.equal(messages.length, 1);
    assert.match(messages[0], /threads: 4 ignored/);
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

  it('rejects a nonsensical thread count', () => {
    assert.throws(() => resolveThreads(0), /positive integer/);
    assert.deepEqual(resolveThreads('auto'), { threads: 1 });
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
