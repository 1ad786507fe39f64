// Builds the native kernel addon (native/: N-API + OpenBLAS) with node-gyp. Runs as the package's
// `install` script, so `npm ci` builds it, and as `npm run build:native`. A failed build is a
// warning, never a failed install: the trainer then runs pure wasm (src/trainer/backends/blas-addon.ts).
// FTS_NATIVE=0 skips the build. --strict (CI, the packager) makes a failure an error.
import { spawnSync } from 'node:child_process';
import { existsSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = join(ROOT, 'native');
const BUILT = join(NATIVE, 'build', 'Release', 'fts_native.node');
const PREBUILT = join(NATIVE, 'prebuilds', `${process.platform}-${process.arch}`, 'fts_native.node');
const strict = process.argv.includes('--strict');

function fail(message) {
  if (strict) {
    console.error(`native: ${message}`);
    process.exit(1);
  }
  console.warn(`native: WARNING: ${message}\nnative: training still works, on the pure wasm kernels (slower). See README, "Native kernels".`);
  process.exit(0);
}

/** Loads the addon in a child process (a crash there must not take this script down). */
function probe(path) {
  const child = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(path)}); console.log(a.info().blas)`], { encoding: 'utf8' });
  return child.status === 0 ? { ok: true, blas: child.stdout.trim() } : { ok: false, why: (child.stderr || child.stdout).trim().split('\n').slice(-3).join(' ') };
}

/** node-gyp: npm's own copy (npm sets npm_config_node_gyp for scripts), else the one beside npm, else PATH. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const script = candidates.find((p) => existsSync(p));
  return script ? [process.execPath, script] : ['node-gyp'];
}

const flag = (process.env.FTS_NATIVE ?? '').trim().toLowerCase();
if (['0', 'false', 'off', 'no'].includes(flag)) {
  console.log('native: FTS_NATIVE=0, not building the native kernels.');
  process.exit(0);
}
if (existsSync(PREBUILT)) {
  const loaded = probe(PREBUILT);
  if (loaded.ok) {
    mkdirSync(dirname(BUILT), { recursive: true });
    copyFileSync(PREBUILT, BUILT);
    console.log(`native: using the prebuilt ${PREBUILT} (${loaded.blas}).`);
    process.exit(0);
  }
  console.warn(`native: the prebuilt ${PREBUILT} does not load (${loaded.why}); building from source.`);
}

// Node's headers: the installed ones when present (offline machines), else node-gyp downloads them.
const prefix = resolve(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const [command, ...args] = nodeGyp();
const build = spawnSync(command, [...args, 'rebuild', ...nodedir], { cwd: NATIVE, encoding: 'utf8' });
if (build.error || build.status !== 0) {
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}`.split('\n').filter((l) => l && !l.startsWith('gyp info')).slice(-12).join('\n');
  const hint = process.platform === 'linux'
    ? 'Install a compiler and OpenBLAS (Debian/Ubuntu: apt-get install build-essential python3 libopenblas-dev), then run `npm run build:native`.'
    : process.platform === 'darwin'
      ? 'Install OpenBLAS (brew install openblas) and the Xcode command line tools, then run `npm run build:native`.'
      : 'This platform has no native build recipe (native/binding.gyp).';
  fail(`the native kernels did not build (${build.error ? build.error.message : `node-gyp exited with ${build.status}`}).\n${output}\n${hint}`);
}
const loaded = probe(BUILT);
if (!loaded.ok) fail(`built ${BUILT} but it does not load: ${loaded.why}`);
console.log(`native: built ${BUILT} (${loaded.blas}).`);
