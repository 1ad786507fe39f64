import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';

/**
 * Bundles initBackend the way scripts/build.mjs bundles dist/cli.js, into a folder with no
 * node_modules above it, with the .wasm files (and emscripten's threaded scripts) in wasm/ beside
 * the bundle, and trains a step there.
 */
describe('wasm backend from an esbuild bundle', () => {
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fts-bundle-'));
    const backends = resolve(__dirname, '../../../src/trainer/backends/index.ts');
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `
      import * as tf from '@tensorflow/tfjs';
      import { initBackend } from ${JSON.stringify(backends)};
      initBackend({ backend: 'wasm', threads: Number(process.argv[2]) }, (m) => console.error(m)).then((info) => {
        const table = tf.variable(tf.ones([10, 4]));
        const ids = tf.tensor1d([1, 3, 3], 'int32');
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.matMul(tf.gather(t, ids), tf.ones([4, 2]), false, false)))(table);
        console.log(JSON.stringify({ info, backend: tf.getBackend(), grad: Array.from(grad.dataSync()) }));
      });
    `);
    await esbuild.build({
      entryPoints: [entry],
      outfile: join(dir, 'cli.js'),
      bundle: true,
      minify: true, // as a production build: tfjs's in-bundle sources are renamed, so threads must not rely on them
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'error',
      external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', 'esbuild'],
      nodePaths: [resolve(__dirname, '../../../node_modules')],
    });
    const wasmSource = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    mkdirSync(join(dir, 'wasm'));
    for (const name of readdirSync(wasmSource).filter((n) => n.endsWith('.wasm'))) {
      copyFileSync(join(wasmSource, name), join(dir, 'wasm', name));
    }
    // emscripten's own scripts for the threaded binary, which the workers load (see wasm-threads.ts).
    const wasmOut = join(wasmSource, '../wasm-out');
    for (const name of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
      copyFileSync(join(wasmOut, name), join(dir, 'wasm', name));
    }
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const train = (threads: number) => {
    // Returns once the process exits on its own.
    const stdout = execFileSync(process.execPath, [join(dir, 'cli.js'), String(threads)], { cwd: dir, encoding: 'utf8' });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { info: { name: string; threads: number }; backend: string; grad: number[] };
  };

  const checkGrad = (grad: number[]) => {
    // Row 1 is gathered once, row 3 twice; each gathered element feeds 2 outputs.
    assert.deepEqual(grad.slice(4, 8), [2, 2, 2, 2]);
    assert.deepEqual(grad.slice(12, 16), [4, 4, 4, 4]);
    assert.equal(grad.reduce((a, b) => a + b, 0), 2 * 4 * 3);
  };

  it('finds dist-style wasm/ next to the bundle and trains an embedding', () => {
    const result = train(1);
    assert.equal(result.info.name, 'wasm');
    assert.equal(result.backend, 'wasm');
    assert.equal(result.info.threads, 1);
    checkGrad(result.grad);
  });

  it('runs 2 threads from the minified bundle, and the process exits on its own', (t) => {
    if (availableParallelism() < 2) return t.skip('one logical core: threads are capped at 1');
    const result = train(2);
    assert.equal(result.info.threads, 2);
    checkGrad(result.grad);
  });
});
