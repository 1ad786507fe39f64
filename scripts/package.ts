/**
 * `npm run package`: a production build, then a platform-specific .vsix in out/.
 *
 * Why platform-specific: custom trainer modules are compiled with esbuild at run time, and esbuild
 * is a native binary (@esbuild/<platform>-<arch>). vsce packs the production dependency tree and
 * .vscodeignore (an allow-list) keeps only esbuild and this machine's @esbuild binary package from
 * it; tfjs and everything else the trainer needs is already bundled in dist/. The package is
 * marked with `--target <platform>-<arch>` so the Marketplace and VS Code only offer it there.
 *
 * The native kernel addon (native/, OpenBLAS linked in) ships as dist/native/fts_native.node: it
 * is built here when `npm ci` did not build it, and a package without it is an error, unless
 * FTS_NATIVE=0 asks for a pure-wasm package (a platform with no native build recipe).
 *
 * Usage: tsx scripts/package.ts [--no-build]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Files that must be in the package; the trainer and the dashboard fail without them. */
const REQUIRED = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/server.js',
  'extension/dist/cli.js',
  'extension/dist/webview/main.js',
  'extension/dist/webview/main.css',
  'extension/schemas/trainer-config.schema.json',
  'extension/node_modules/esbuild/package.json',
  'extension/node_modules/esbuild/lib/main.js',
];

/** Paths that must never ship: sources, tests, tooling, other dependencies, source maps. */
const FORBIDDEN = [/^extension\/(src|client|server|webview|test|scripts|bench|examples|docs)\//, /\.ts$/, /\.map$/, /^extension\/node_modules\/(?!esbuild\/|@esbuild\/)/];

export interface PackageResult {
  path: string;
  bytes: number;
  files: string[];
  target: string;
}

/** VS Code's target name for this machine, which is also esbuild's binary package suffix. */
export function currentTarget(): string {
  const supported = ['linux-x64', 'linux-arm64', 'linux-armhf', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
  const target = `${process.platform}-${process.arch === 'arm' ? 'armhf' : process.arch}`;
  if (!supported.includes(target)) throw new Error(`no VS Code target for ${target}`);
  return target;
}

/** Runs a command in the repository; async, so the caller's timers (timeouts) keep running. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-16_384)));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output}`)),
    );
  });
}

/** The zip's entry names, read from its central directory (a .vsix is a plain zip). */
export function zipEntries(path: string): string[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path} is not a zip`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

export async function packageVsix(options: { build?: boolean; log?: (line: string) => void } = {}): Promise<PackageResult> {
  const log = options.log ?? console.log;
  const target = currentTarget();
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; repository?: { url?: string } };
  const esbuildBinary = join(ROOT, 'node_modules', '@esbuild', target);
  if (!existsSync(esbuildBinary)) throw new Error(`${esbuildBinary} is missing: run npm ci on a ${target} machine`);
  const native = !['0', 'false', 'off', 'no'].includes((process.env.FTS_NATIVE ?? '').trim().toLowerCase());
  if (native && !existsSync(join(ROOT, 'native', 'build', 'Release', 'fts_native.node'))) {
    await run(process.execPath, ['scripts/build-native.mjs', '--strict']);
  }
  if (options.build !== false) await run(process.execPath, ['scripts/build.mjs', '--production']);
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const path = join(ROOT, 'out', `${manifest.name}-${manifest.version}-${target}.vsix`);
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  // --skip-license: the license is declared in package.json ("MIT"); a LICENSE file ships when present.
  // The README's relative links (docs/…) point into the repository named in package.json.
  const base = `${(manifest.repository?.url ?? 'https://example.invalid/finetune-studio').replace(/\.git$/, '')}/blob/HEAD`;
  await run(process.execPath, [vsce, 'package', '--target', target, '--skip-license', '--allow-missing-repository', '--baseContentUrl', base, '--baseImagesUrl', base, '--out', path]);
  const files = zipEntries(path);
  const missing = REQUIRED.filter((f) => !files.includes(f));
  if (!files.some((f) => f.startsWith(`extension/node_modules/@esbuild/${target}/`))) missing.push(`extension/node_modules/@esbuild/${target}/`);
  if (!files.some((f) => /^extension\/dist\/wasm\/.+\.wasm$/.test(f))) missing.push('extension/dist/wasm/*.wasm');
  if (native && !files.includes('extension/dist/native/fts_native.node')) missing.push('extension/dist/native/fts_native.node (or set FTS_NATIVE=0 for a pure-wasm package)');
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(', ')}`);
  const forbidden = files.filter((f) => FORBIDDEN.some((re) => re.test(f)) && !f.endsWith('.d.ts'));
  if (forbidden.length > 0) throw new Error(`${path} ships files it must not: ${forbidden.slice(0, 10).join(', ')}`);
  const bytes = statSync(path).size;
  log(`package: ${path} (${target}, ${files.length} files, ${(bytes / 1024 / 1024).toFixed(2)} MiB)`);
  return { path, bytes, files, target };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  packageVsix({ build: !process.argv.includes('--no-build') }).catch((error: unknown) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
