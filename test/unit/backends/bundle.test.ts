import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';

/**
 * Bundles initBackend the way scripts/build.mjs bundles dist/cli.js, into a folder with no
 * node_modules above it, with the .wasm files in wasm/ beside the bundle, and trains a step there.
 */
describe('wasm backend from an esbuild bundle', () => {
  it('finds dist-style wasm/ next to the bundle and trains an embedding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fts-bundle-'));
    try {
      const backends = resolve(__dirname, '../../../src/trainer/backends/index.ts');
      const entry = join(dir, 'entry.ts');
      writeFileSync(entry, `
        import * as tf from '@tensorflow/tfjs';
        import { initBackend } from ${JSON.stringify(backends)};
        initBackend({ backend: 'wasm' }).then((info) => {
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
      const stdout = execFileSync(process.execPath, [join(dir, 'cli.js')], { cwd: dir, encoding: 'utf8' });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { info: { name: string }; backend: string; grad: number[] };
      assert.equal(result.info.name, 'wasm');
      assert.equal(result.backend, 'wasm');
      // Row 1 is gathered once, row 3 twice; each gathered element feeds 2 outputs.
      assert.deepEqual(result.grad.slice(4, 8), [2, 2, 2, 2]);
      assert.deepEqual(result.grad.slice(12, 16), [4, 4, 4, 4]);
      assert.equal(result.grad.reduce((a, b) => a + b, 0), 2 * 4 * 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
