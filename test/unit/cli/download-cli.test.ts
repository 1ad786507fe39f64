/** `finetune-studio download` as a person runs it: the real CLI against the mock Hub, through the environment only. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { COMMIT_A, NEEDED_FILES, tinyRepo } from '../../support/hub-fixtures';
import { parseDownloadArgs } from '../../../src/cli/download';
import { formatBytes, formatDuration, formatProgressLine } from '../../../src/hub/format';

const CLI = resolve(__dirname, '../../../src/cli/main.ts');
let hub: MockHub;
before(async () => (hub = await startMockHub([tinyRepo()])));
after(() => hub.close());

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'fts-home-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

test('download <id> --revision R fills HF_HUB_CACHE from HF_ENDPOINT; --offline then finds it, and names what is missing otherwise', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'fts-cli-cache-'));
  const env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache };
  const first = await cli(['download', 'test-org/tiny-bert', '--revision', 'v1'], env);
  assert.equal(first.code, 0, first.stderr);
  const folder = join(cache, 'models--test-org--tiny-bert', 'snapshots', COMMIT_A);
  assert.match(first.stdout, new RegExp(`Downloaded 4 files \\(.*\\): test-org/tiny-bert@v1 at commit ${COMMIT_A.slice(0, 12)}\\n${folder}\\n`));
  assert.deepEqual(readdirSync(folder).sort(), NEEDED_FILES);

  const offline = await cli(['download', 'test-org/tiny-bert@v1', '--offline'], env);
  assert.equal(offline.code, 0, offline.stderr);
  assert.match(offline.stdout, /Already in the cache/);
  const missing = await cli(['download', 'test-org/tiny-bert'], { ...env, HF_HUB_OFFLINE: '1' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /revision 'main' of test-org\/tiny-bert is not in the cache \(cached: v1\).*HF_HUB_OFFLINE=1/);
});

test('download reports a gated model with how to log in, reading the token file under HF_HOME', async () => {
  const gatedHub = await startMockHub([tinyRepo('org/gated', { gatedTokens: ['hf_ok'] })]);
  try {
    const home = mkdtempSync(join(tmpdir(), 'fts-hfhome-'));
    const denied = await cli(['download', 'org/gated'], { HF_ENDPOINT: gatedHub.url, HF_HOME: home });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /org\/gated is gated or private \(HTTP 401.*huggingface-cli login/);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(home, 'token'), 'hf_ok\n');
    const allowed = await cli(['download', 'org/gated'], { HF_ENDPOINT: gatedHub.url, HF_HOME: home });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(readdirSync(join(home, 'hub')).includes('models--org--gated'), 'the cache defaults to HF_HOME/hub');
  } finally {
    await gatedHub.close();
  }
});

test('argument errors and the progress line', () => {
  assert.deepEqual(parseDownloadArgs(['a/b', '--revision=v2', '--json']), { id: 'a/b', revision: 'v2', offline: false, json: true });
  assert.match(parseDownloadArgs([]) as string, /usage/);
  assert.match(parseDownloadArgs(['a/b', 'c/d']) as string, /one model id per call/);
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(66_752), '66.8 kB');
  assert.equal(formatBytes(1_340_000_000), '1.34 GB');
  assert.equal(formatDuration(75), '1m15s');
  const line = formatProgressLine({ file: 'model.safetensors', fileBytes: 50, fileTotal: 100, bytes: 500_000, total: 1_000_000, rate: 250_000, etaSeconds: 2 }, 80);
  assert.equal(line.length, 80);
  assert.match(line, /^model\.safetensors \[#+-+\] {2}50% {2}500 kB\/1\.00 MB {2}250 kB\/s {2}ETA 2s$/);
});
