import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadBlasAddon } from '../../../src/trainer/backends/blas-addon';
import { locateThreadedScripts, workerSource } from '../../../src/trainer/backends/wasm-threads';
import { runFixture } from './fixtures/children';
import type { TrainStepsResult } from './fixtures/token-data';

/** Thread counts differ in the order of float additions only. */
const LOSS_TOLERANCE = 1e-4;

describe('threaded wasm in Node', () => {
  it('threads: 2 trains the transformer-encoder with the 1-thread losses, and its process exits on its own', async (t) => {
    if (availableParallelism() < 2) return t.skip('one logical core: threads are capped at 1');
    // runFixture resolves when the child exits: a pthread keeping it alive would hang here.
    // FTS_NATIVE=0: with the native addon, wasm runs one thread and the BLAS takes the threads.
    const pure = { ...process.env, FTS_NATIVE: '0' };
    const [one, two] = await Promise.all([
      runFixture<TrainStepsResult>('train-steps.ts', ['wasm', 'transformer-encoder', '1'], pure),
      runFixture<TrainStepsResult>('train-steps.ts', ['wasm', 'transformer-encoder', '2'], pure),
    ]);
    assert.ok(one.ok && two.ok, JSON.stringify({ one, two }));
    assert.equal(one.info.threads, 1);
    assert.equal(two.info.threads, 2);
    assert.match(two.info.device, /wasm SIMD, 2 threads/);
    assert.equal(two.losses.length, 8);
    two.losses.forEach((loss, i) => assert.ok(Math.abs(loss - one.losses[i]) <= LOSS_TOLERANCE, `step ${i + 1}: 2 threads ${loss}, 1 thread ${one.losses[i]}`));
  });

  it('native BLAS on 2 threads trains the transformer-encoder with the pure wasm losses', async (t) => {
    if (availableParallelism() < 2) return t.skip('one logical core: threads are capped at 1');
    if (!loadBlasAddon().ok) return t.skip(`the native addon is not built here: ${(loadBlasAddon() as { reason: string }).reason}`);
    const [pure, native] = await Promise.all([
      runFixture<TrainStepsResult>('train-steps.ts', ['wasm', 'transformer-encoder', '1'], { ...process.env, FTS_NATIVE: '0' }),
      runFixture<TrainStepsResult>('train-steps.ts', ['wasm', 'transformer-encoder', '2'], { ...process.env, FTS_NATIVE: '1' }),
    ]);
    assert.ok(pure.ok && native.ok, JSON.stringify({ pure, native }));
    assert.equal(pure.info.kernels, 'wasm');
    assert.match(native.info.kernels ?? '', /native BLAS \(OpenBLAS [\d.]+, 2 threads\)/);
    assert.equal(native.losses.length, 8);
    native.losses.forEach((loss, i) => assert.ok(Math.abs(loss - pure.losses[i]) <= LOSS_TOLERANCE, `step ${i + 1}: native ${loss}, pure wasm ${pure.losses[i]}`));
  });

  it("finds emscripten's unbundled scripts next to the .wasm files first, then in the package", () => {
    const installed = locateThreadedScripts([], existsSync);
    assert.ok(installed, 'the installed package has wasm-out/');
    assert.match(installed.mainScript, /wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/);
    const dist = locateThreadedScripts(['/opt/app/dist/wasm'], (p) => p.startsWith('/opt/app/dist/wasm/'));
    assert.deepEqual(dist, {
      mainScript: join('/opt/app/dist/wasm', 'tfjs-backend-wasm-threaded-simd.js'),
      workerModule: join('/opt/app/dist/wasm', 'tfjs-backend-wasm-threaded-simd.worker.js'),
    });
    assert.equal(locateThreadedScripts(['/nowhere'], () => false), undefined);
  });

  it('the worker source keeps escaped newlines and answers the main-script Blob with its path', () => {
    const source = workerSource('var a="x\ny";', '/lib/main.js');
    assert.ok(source.startsWith('var a="x\\ny";\n'));
    const url = { createObjectURL: (): string => 'blob:', revokeObjectURL: (): void => {} };
    new Function('URL', source)(url);
    assert.equal(url.createObjectURL(), '/lib/main.js');
  });
});
