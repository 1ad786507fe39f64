/**
 * The GPU bench package (scripts/package-gpu-bench.ts) and its script (bench/gpu/run.py): the folder
 * holds what a GPU machine without Node needs and stays under the 64 MiB a device run carries, and
 * the script runs end to end on lavapipe with tiny shapes, its Vulkan loader unpacked from the
 * carried Debian packages, against the torch CPU peer.
 *
 * The package is built with gzip here (seconds once the Node binary's .gz is cached in
 * .tmp/gpu-bench/cache); `npm run package:gpu-bench` uses xz, which is smaller, so the gzip size
 * bounds the real one from above.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEBS, NODE_VERSION, SIZE_LIMIT, packageGpuBench, type PackageResult } from '../../../scripts/package-gpu-bench';
import { referencePython, skipWithoutPython } from '../../support/reference-python';
import { vulkanEnv } from '../backends/fixtures/children';

const ROOT = join(__dirname, '..', '..', '..');

/** Calls a function of bench/gpu/run.py with JSON arguments (plain python3: run.py needs only the standard library). */
function runPy(call: string, ...args: unknown[]): unknown {
  const code = `import json, sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'bench', 'gpu'))}); import run; print(json.dumps(run.${call}(*json.loads(sys.argv[1]))))`;
  const result = spawnSync('python3', ['-c', code, JSON.stringify(args)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as unknown;
}

describe('GPU bench run.py: Vulkan on the GPU machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-gpu-bench-vk-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the NVIDIA ICD file in the first folder that has one, else writes one for the driver library ldconfig lists, else none', () => {
    const [empty, icdDir, work] = ['empty', 'icd.d', 'work'].map((name) => join(dir, name));
    for (const d of [empty, icdDir, work]) mkdirSync(d, { recursive: true });
    writeFileSync(join(icdDir, 'lvp_icd.json'), '{}');
    writeFileSync(join(icdDir, 'nvidia_icd.json'), '{}');
    assert.equal(runPy('find_nvidia_icd', work, [join(dir, 'missing'), empty, icdDir], ''), join(icdDir, 'nvidia_icd.json'));
    const libs = '\tlibGLX_nvidia.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0\n';
    const written = runPy('find_nvidia_icd', work, [empty], libs) as string;
    assert.equal(written, join(work, 'nvidia_icd.json'));
    assert.deepEqual(JSON.parse(readFileSync(written, 'utf8')), { file_format_version: '1.0.1', ICD: { library_path: 'libGLX_nvidia.so.0', api_version: '1.3' } });
    assert.equal(runPy('find_nvidia_icd', work, [empty], '\tlibc.so.6 => /lib/libc.so.6\n'), null);
  });

  it('takes the Vulkan loader from the linker cache or LD_LIBRARY_PATH, and otherwise unpacks its own', () => {
    const lib = join(dir, 'lib');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'libvulkan.so.1'), '');
    assert.equal(runPy('system_has_vulkan_loader', '\tlibvulkan.so.1 (libc6,x86-64) => /lib/libvulkan.so.1\n', {}), true);
    assert.equal(runPy('system_has_vulkan_loader', '', { LD_LIBRARY_PATH: `/nowhere:${lib}` }), true);
    assert.equal(runPy('system_has_vulkan_loader', '', { LD_LIBRARY_PATH: '/nowhere' }), false);
  });
});

describe('GPU bench package', () => {
  const parent = mkdtempSync(join(tmpdir(), 'fts-gpu-bench-test-'));
  let result: PackageResult;

  before(async () => {
    result = await packageGpuBench({
      out: join(parent, 'fts-gpu-bench'),
      compress: 'gzip',
      build: !existsSync(join(ROOT, 'dist', 'cli.js')),
      tar: false,
      log: () => {},
    });
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('holds the script, the peer, Node, the trainer bundle, dawn.node, the webgpu backend and the Vulkan debs, under 64 MiB', () => {
    assert.ok(result.bytes < SIZE_LIMIT, `${result.bytes} bytes`);
    const paths = result.files.map((f) => f.path);
    for (const expected of [
      'run.py',
      'torch_peer.py',
      'shapes.json',
      'manifest.json',
      'node/bin/node.gz',
      'app/dist/cli.js.gz',
      'app/dist/gpu-bench.js.gz',
      'app/dist/wasm/tfjs-backend-wasm-simd.wasm',
      'app/dist/wasm/tfjs-backend-wasm-threaded-simd.wasm',
      'app/dist/wasm/tfjs-backend-wasm-threaded-simd.worker.js',
      'app/node_modules/webgpu/index.js',
      'app/node_modules/webgpu/dist/linux-x64/dawn.node.gz',
      'app/node_modules/@tensorflow/tfjs-backend-webgpu/index.js.gz',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
    }
    for (const deb of DEBS) assert.ok(paths.some((p) => new RegExp(`^debs/${deb}_[^/]+_amd64\\.deb$`).test(p)), `no ${deb} .deb`);
    const manifest = JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')) as { node: string; compressed: string[] };
    assert.equal(manifest.node, NODE_VERSION);
    assert.deepEqual(
      [...manifest.compressed].sort(),
      paths.filter((p) => p.endsWith('.gz')).sort(),
      'every compressed file is listed for run.py to restore',
    );
    assert.ok(manifest.compressed.includes('node/bin/node.gz'));
    // Nothing from the developer's tree that the GPU machine does not need.
    assert.ok(!paths.some((p) => p.endsWith('.map') || p.includes('fts_native')), 'no source maps or native BLAS addon');
  });

  it('run.py --scale tiny trains both sides on lavapipe with the carried Vulkan loader, and writes the JSON and the table', { skip: skipWithoutPython() }, (t) => {
    if (!process.env.FTS_LAVAPIPE_DIR) return t.skip('no lavapipe: run scripts/setup-lavapipe.sh and set FTS_LAVAPIPE_DIR');
    const out = join(parent, 'results');
    const work = join(parent, 'work');
    const run = spawnSync(
      'python3',
      [join(result.dir, 'run.py'), '--scale', 'tiny', '--models', 'bert', '--warmup', '1', '--steps', '1', '--no-threads', '--force-private-vulkan', '--python', referencePython()!, '--out', out, '--work', work],
      { env: vulkanEnv(), encoding: 'utf8', timeout: 600_000 },
    );
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const json = readdirSync(out).find((f) => f.endsWith('.json'));
    assert.ok(json && existsSync(join(out, json.replace(/\.json$/, '.md'))), readdirSync(out).join(', '));
    const report = JSON.parse(readFileSync(join(out, json), 'utf8')) as {
      notes: string[];
      models: { name: string; ours: Record<string, number | string>; torchFp32: Record<string, number | string>; torchBf16: Record<string, string> }[];
    };
    const [bert] = report.models;
    assert.equal(bert.name, 'bert');
    assert.match(String(bert.ours.device), /^WebGPU: /);
    assert.ok(Number(bert.ours.samplesPerSecond) > 0 && Number(bert.torchFp32.samplesPerSecond) > 0, JSON.stringify(bert));
    assert.equal(bert.ours.params, bert.torchFp32.params, 'both sides train the same model');
    assert.match(String(bert.torchFp32.device), /^CPU \(torch has no CUDA\)/);
    assert.match(bert.torchBf16.skipped, /CUDA only/);
    assert.ok(report.notes.some((n) => n.includes('the carried Debian packages')), report.notes.join('\n'));
    assert.ok(existsSync(join(work, 'vulkan-root', 'usr', 'lib', 'x86_64-linux-gnu', 'libvulkan.so.1')));
    assert.match(run.stdout, /\| tiny BERT .*\| [\d.]+x \|/);
  });
});
