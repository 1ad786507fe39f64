// Builds every bundle into dist/ with esbuild, the project's only bundler.
// Usage: node scripts/build.mjs [--watch] [--production] [--no-types]
// Also emits the TypeScript declarations of the public `finetune-studio` module into dist/types/
// (custom trainer modules type-check against them), unless --no-types.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const emitTypes = !process.argv.includes('--no-types') && !watch;

// Native or optional packages stay outside the bundles and are loaded at run time when present.
const nodeExternals = [
  'vscode',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'webgpu',
  'esbuild',
];

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
  alias: {
    'finetune-studio': './src/index.ts',
    // jsonc-parser's UMD build requires its modules dynamically, which a bundle cannot follow.
    'jsonc-parser': 'jsonc-parser/lib/esm/main.js',
  },
};

const nodeBundles = [
  { entry: 'client/extension.ts', out: 'dist/extension.js' },
  { entry: 'server/server.ts', out: 'dist/server.js' },
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', banner: '#!/usr/bin/env node' },
];
const browserBundles = [
  { entry: 'webview/main.ts', out: 'dist/webview/main.js' },
  { entry: 'webview/chat/main.ts', out: 'dist/webview/chat.js' },
];

const configs = [
  ...nodeBundles.map((b) => ({
    ...common,
    entryPoints: [b.entry],
    outfile: b.out,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternals,
    banner: b.banner ? { js: b.banner } : undefined,
  })),
  ...browserBundles.map((b) => ({
    ...common,
    entryPoints: [b.entry],
    outfile: b.out,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  })),
].filter((c) => {
  const present = existsSync(c.entryPoints[0]);
  if (!present) console.log(`build: skipping ${c.entryPoints[0]} (not present)`);
  return present;
});

/**
 * The wasm backend cannot find its .wasm binaries once bundled, so they ship next to the bundle,
 * with the threaded build's emscripten script and worker, which its threads load by path.
 */
function copyWasmBinaries() {
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  mkdirSync('dist/wasm', { recursive: true });
  for (const name of readdirSync(wasmDir)) {
    if (name.endsWith('.wasm')) copyFileSync(join(wasmDir, name), join('dist/wasm', name));
  }
  const threadedDir = join(dirname(wasmDir), 'wasm-out');
  for (const name of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) {
    copyFileSync(join(threadedDir, name), join('dist/wasm', name));
  }
}

/**
 * The native kernel addon (built by scripts/build-native.mjs at install), next to the bundle as
 * dist/native/, where src/trainer/backends/blas-addon.ts finds it and the .vsix packs it. Absent
 * when it did not build: the trainer then runs pure wasm.
 */
function copyNativeAddon() {
  const built = join('native', 'build', 'Release', 'fts_native.node');
  rmSync(join('dist', 'native'), { recursive: true, force: true });
  if (!existsSync(built)) {
    console.log('build: no native addon (native/build/Release/fts_native.node); the trainer will run pure wasm');
    return;
  }
  mkdirSync(join('dist', 'native'), { recursive: true });
  copyFileSync(built, join('dist', 'native', 'fts_native.node'));
}

copyWasmBinaries();
copyNativeAddon();
if (watch) {
  for (const config of configs) await (await esbuild.context(config)).watch();
  console.log('build: watching');
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
  console.log(`build: ${configs.length} bundles written to dist/`);
  if (emitTypes) {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json'], { stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
    console.log('build: declarations written to dist/types/');
  }
}
