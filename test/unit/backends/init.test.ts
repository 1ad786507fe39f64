import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, locateWasmDir, registerFastKernels } from '../../../src/trainer/backends';
import { addonCandidates, loadBlasAddon } from '../../../src/trainer/backends/blas-addon';
import { FUSED_KERNEL_NAMES } from '../../../src/trainer/backends/fused';
import { variantOf } from '../../../src/trainer/backends/kernels/registry';
import { resolveBlasThreads } from '../../../src/trainer/backends/wasm';
import { AUTO_THREADS_RULE, autoThreads, resolveThreads } from '../../../src/trainer/backends/threads';
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

  it('wasm with FTS_NATIVE=0: SIMD, one thread, pure wasm kernels registered once', async () => {
    const saved = process.env.FTS_NATIVE;
    process.env.FTS_NATIVE = '0';
    try {
      const info = await initBackend({ backend: 'wasm', threads: 'auto' });
      assert.deepEqual(info, { name: 'wasm', device: 'CPU, wasm SIMD, 1 thread', simd: true, threads: 1, kernels: 'wasm' });
      assert.equal(tf.getBackend(), 'wasm');
      assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
      assert.equal(variantOf(tf.getKernel('BatchMatMul', 'wasm')), 'default');
      assert.deepEqual(registerFastKernels('wasm'), [], 'a second registration is a no-op');

      const messages: string[] = [];
      const again = await initBackend({ backend: 'wasm', threads: 2 }, (m) => messages.push(m));
      assert.equal(again.threads, 1, 'a second start keeps the running thread count');
      assert.ok(messages.some((m) => /threads: 2 not applied: the wasm backend was already running 1 thread/.test(m)), messages.join('\n'));
    } finally {
      if (saved === undefined) delete process.env.FTS_NATIVE;
      else process.env.FTS_NATIVE = saved;
    }
  });

  it('wasm with the native addon: BLAS matmuls, and the run says so; switching back to pure wasm works', async (t) => {
    if (!loadBlasAddon().ok) return t.skip(`the native addon is not built here: ${(loadBlasAddon() as { reason: string }).reason}`);
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    assert.equal(info.threads, 2);
    assert.match(info.kernels ?? '', /^wasm \+ native BLAS \(OpenBLAS \d+\.\d+\.\d+, 2 threads\)$/);
    assert.match(info.device, /^CPU, wasm SIMD \+ native BLAS \(OpenBLAS [\d.]+, 2 threads\)$/);
    assert.equal(variantOf(tf.getKernel('BatchMatMul', 'wasm')), 'native');
    assert.equal(variantOf(tf.getKernel('_FusedMatMul', 'wasm')), 'native');
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]), true, false).arraySync());
    assert.deepEqual(product, [[26, 30], [38, 44]]);
    for (const name of FUSED_KERNEL_NAMES) assert.equal(variantOf(tf.getKernel(name, 'wasm')), 'native', name);
    // Back to pure wasm in the same process (a later run with FTS_NATIVE=0): the stock-based kernels return, the fused ops run their composites.
    assert.deepEqual(registerFastKernels('wasm').sort(), ['BatchMatMul', 'Erf', 'Exp', '_FusedMatMul', ...FUSED_KERNEL_NAMES].sort());
    assert.equal(variantOf(tf.getKernel('BatchMatMul', 'wasm')), 'default');
    for (const name of FUSED_KERNEL_NAMES) assert.equal(tf.getKernel(name, 'wasm'), undefined, name);
  });

  it('FTS_NATIVE=0 disables the addon; a missing one says where it looked', () => {
    assert.deepEqual(loadBlasAddon({ FTS_NATIVE: '0' }), { ok: false, reason: 'disabled by FTS_NATIVE=0' });
    const missing = loadBlasAddon({ FTS_NATIVE_PATH: '/nonexistent/fts_native.node' });
    assert.equal(missing.ok, loadBlasAddon({}).ok, 'FTS_NATIVE_PATH is tried first, then the usual places');
    const candidates = addonCandidates({ FTS_NATIVE_PATH: '/x/a.node' }, '/repo/dist');
    assert.deepEqual(candidates, ['/x/a.node', '/repo/dist/native/fts_native.node', '/repo/native/build/Release/fts_native.node', '/native/build/Release/fts_native.node']);
    assert.deepEqual(resolveBlasThreads('auto', 6), { threads: 6 });
    assert.deepEqual(resolveBlasThreads(3, 2), { threads: 2, warning: 'threads: 3 lowered to 2 (this machine has 2 logical cores).' });
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

  it('threads: auto follows the rule by core count: the entry with the largest minCores reached, capped at the cores and the pool', () => {
    assert.deepEqual(AUTO_THREADS_RULE, [{ minCores: 1, threads: 1 }], 'measured on 2 cores only: 1 thread everywhere until a many-core run sets more');
    const rule = [
      { minCores: 1, threads: 1 },
      { minCores: 16, threads: 4 },
      { minCores: 64, threads: 16 },
    ];
    assert.equal(autoThreads(2, rule), 1);
    assert.equal(autoThreads(15, rule), 1);
    assert.equal(autoThreads(16, rule), 4);
    assert.equal(autoThreads(32, rule), 4);
    assert.equal(autoThreads(64, rule), 8, 'capped at the wasm thread pool');
    assert.equal(autoThreads(8, [{ minCores: 4, threads: 12 }]), 8);
    assert.equal(autoThreads(2, [{ minCores: 4, threads: 4 }]), 1, 'no entry reached: 1');
    assert.deepEqual(resolveThreads('auto', 16, rule), { threads: 4 });
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
    assert.equal(describeAdapter({ info: { vendor: 'nvidia', description: 'NVIDIA H200' } }), 'WebGPU: NVIDIA H200 (nvidia)');
  });
});
