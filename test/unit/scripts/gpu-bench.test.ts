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
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEBS, NODE_VERSION, SIZE_LIMIT, packageGpuBench, type PackageResult } from '../../../scripts/package-gpu-bench';
import { referencePython, skipWithoutPython } from '../../support/reference-python';
import { vulkanEnv } from '../backends/fixtures/children';

const ROOT = join(__dirname, '..', '..', '..');

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
