/**
 * Downloads against a mock Hub on 127.0.0.1 (test/support/mock-hub.ts): the cache layout that
 * results, cache hits without requests, pinned revisions, Hub errors, and interrupted or corrupt
 * transfers, which must never leave a blob that looks complete.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadModel, type DownloadOptions, type DownloadProgress } from '../../../src/hub/download';
import { resolveCached } from '../../../src/hub/cache';
import { isHubError, type HubError } from '../../../src/hub/errors';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { COMMIT_A, COMMIT_B, NEEDED_FILES, tinyModelFiles, tinyRepo } from '../../support/hub-fixtures';

const REPO = 'test-org/tiny-bert';
const REPO_DIR = 'models--test-org--tiny-bert';
const WEIGHTS_SIZE = Buffer.from(tinyModelFiles(0)['model.safetensors']).length;

let hub: MockHub;
before(async () => {
  hub = await startMockHub([
    tinyRepo(),
    tinyRepo('gated-org/tiny-gated', { gatedTokens: ['hf_granted'] }),
    { id: 'test-org/pickle-only', refs: { main: COMMIT_A }, commits: { [COMMIT_A]: { 'config.json': '{}', 'pytorch_model.bin': 'x' } } },
  ]);
});
after(() => hub.close());
afterEach(() => {
  for (const key of Object.keys(hub.faults) as (keyof typeof hub.faults)[]) delete hub.faults[key];
});

function options(extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { cacheDir: mkdtempSync(join(tmpdir(), 'fts-hub-')), endpoint: hub.url, retryDelayMs: 0, idleTimeoutMs: 2000, ...extra };
}

async function rejection(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isHubError(error), `expected a HubError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the download to fail');
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('downloadModel against the mock Hub', () => {
  test('a fresh download lays the cache out as huggingface_hub does, with only the files a fine-tune needs', async () => {
    const progress: DownloadProgress[] = [];
    const opts = options({ onProgress: (p) => progress.push(p) });
    const result = await downloadModel(REPO, opts);
    const repoDir = join(opts.cacheDir, REPO_DIR);
    assert.equal(result.commit, COMMIT_B);
    assert.equal(result.folder, join(repoDir, 'snapshots', COMMIT_B));
    assert.deepEqual(readdirSync(result.folder).sort(), NEEDED_FILES);
    assert.deepEqual(result.downloaded.sort(), NEEDED_FILES);
    assert.equal(readFileSync(join(repoDir, 'refs', 'main'), 'utf8'), COMMIT_B);
    // Relative links into blobs/, named by the LFS sha256 for weights and the git blob id otherwise.
    const link = readlinkSync(join(result.folder, 'model.safetensors'));
    const weightsSha = sha256(join(result.folder, 'model.safetensors'));
    assert.equal(link, `../../blobs/${weightsSha}`);
    const configOid = createHash('sha1').update(`blob ${readFileSync(join(result.folder, 'config.json')).length}\0`).update(readFileSync(join(result.folder, 'config.json'))).digest('hex');
    assert.equal(readlinkSync(join(result.folder, 'config.json')), `../../blobs/${configOid}`);
    assert.ok(!readdirSync(join(repoDir, 'blobs')).some((b) => b.endsWith('.incomplete')));
    // The commit's full tree listing, in Python's trees/<commit>.json format.
    const tree = JSON.parse(readFileSync(join(repoDir, 'trees', `${COMMIT_B}.json`), 'utf8'));
    assert.equal(tree.format_version, 1);
    assert.equal(tree.files['model.safetensors'].lfs_sha256, weightsSha);
    assert.ok(tree.files['pytorch_model.bin'], 'the listing names every file, downloaded or not');
    assert.ok(!hub.requests.some((r) => r.url.includes('pytorch_model.bin') || r.url.includes('onnx')));
    // Progress ends at the total, with a rate and an ETA of zero.
    const last = progress.at(-1)!;
    assert.equal(last.bytes, last.total);
    assert.ok(last.total >= WEIGHTS_SIZE);
    assert.ok(last.rate > 0);
    assert.equal(last.etaSeconds, 0);
    assert.deepEqual(resolveCached(REPO, 'main', opts.cacheDir), { kind: 'cached', folder: result.folder, commit: COMMIT_B, repoDir });
  });

  test('a cached model resolves without a single request', async () => {
    const opts = options();
    await downloadModel(REPO, opts);
    const before = hub.requests.length;
    const again = await downloadModel(REPO, opts);
    assert.equal(hub.requests.length, before);
    assert.equal(again.fromCache, true);
    assert.deepEqual(again.downloaded, []);
  });

  test('a revision pinned by commit sha needs no model-info request and writes no ref; a tag writes refs/<tag>', async () => {
    const opts = options();
    const before = hub.requests.length;
    const pinned = await downloadModel(`${REPO}@${COMMIT_A}`, opts);
    assert.equal(pinned.commit, COMMIT_A);
    assert.ok(!hub.requests.slice(before).some((r) => r.url.includes('/revision/')));
    assert.ok(!existsSync(join(opts.cacheDir, REPO_DIR, 'refs')));
    assert.equal(JSON.parse(readFileSync(join(pinned.folder, 'config.json'), 'utf8')).seed, 1);
    const tagged = await downloadModel(`${REPO}@v1`, opts);
    assert.equal(tagged.folder, pinned.folder);
    assert.deepEqual(tagged.downloaded, [], 'the tag points at the snapshot already cached');
    assert.equal(readFileSync(join(opts.cacheDir, REPO_DIR, 'refs', 'v1'), 'utf8'), COMMIT_A);
    assert.equal(resolveCached(REPO, 'main', opts.cacheDir).kind, 'missing');
  });

  test('an unknown model, an unknown revision, a model without safetensors and a file the Hub refuses', async () => {
    const missing = await rejection(downloadModel('test-org/no-such-model', options()));
    assert.equal(missing.kind, 'not-found');
    assert.match(missing.message, /test-org\/no-such-model does not exist on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
    const badRev = await rejection(downloadModel(`${REPO}@v9`, options()));
    assert.equal(badRev.kind, 'revision-not-found');
    assert.match(badRev.message, /revision 'v9' of test-org\/tiny-bert does not exist/);
    const pickle = await rejection(downloadModel('test-org/pickle-only', options()));
    assert.equal(pickle.kind, 'no-weights');
    assert.match(pickle.message, /only pytorch_model\.bin; pickled \.bin weights can run code/);
    hub.faults.status = new Map([['tokenizer.json', { code: 404, times: 1 }]]);
    const gone = await rejection(downloadModel(REPO, options()));
    assert.equal(gone.kind, 'file-missing');
    assert.equal(gone.file, 'tokenizer.json');
    assert.match(gone.message, /tokenizer\.json of test-org\/tiny-bert is not on/);
  });

  test('a gated model: 401 without a token and 403 with a wrong one say how to log in; the right token downloads', async () => {
    const anonymous = await rejection(downloadModel('gated-org/tiny-gated', options()));
    assert.equal(anonymous.kind, 'gated');
    assert.match(anonymous.message, /gated or private \(HTTP 401/);
    assert.match(anonymous.message, /HF_TOKEN=hf_… .*huggingface-cli login/);
    const wrong = await rejection(downloadModel('gated-org/tiny-gated', options({ token: { token: 'hf_other', from: 'HF_TOKEN' } })));
    assert.match(wrong.message, /HTTP 403.*The token from HF_TOKEN has no access: accept its terms at http:\/\/127\.0\.0\.1:\d+\/gated-org\/tiny-gated/);
    const ok = await downloadModel('gated-org/tiny-gated', options({ token: { token: 'hf_granted', from: '/home/x/.cache/huggingface/token' } }));
    assert.deepEqual(readdirSync(ok.folder).sort(), NEEDED_FILES);
    assert.ok(hub.requests.filter((r) => r.url.includes('tiny-gated')).every((r) => r.authorization === undefined || r.authorization.startsWith('Bearer ')));
  });

  test('a connection dropped halfway leaves only <blob>.incomplete; the rerun resumes with a range request and verifies', async () => {
    const opts = options({ maxAttempts: 1 });
    const half = Math.floor(WEIGHTS_SIZE / 2);
    hub.faults.drop = new Map([['model.safetensors', { afterBytes: half, times: 1 }]]);
    const dropped = await rejection(downloadModel(REPO, opts));
    assert.equal(dropped.kind, 'network');
    assert.equal(dropped.file, 'model.safetensors');
    assert.match(dropped.message, /Downloading model\.safetensors of test-org\/tiny-bert failed at \d+ of \d+ bytes: the connection was closed early.*next run resumes it/);
    const repoDir = join(opts.cacheDir, REPO_DIR);
    const blobs = readdirSync(join(repoDir, 'blobs'));
    const partial = blobs.filter((b) => b.endsWith('.incomplete'));
    assert.equal(partial.length, 1);
    assert.ok(!blobs.includes(partial[0].replace('.incomplete', '')), 'no complete-looking blob');
    const lookup = resolveCached(REPO, 'main', opts.cacheDir);
    assert.equal(lookup.kind, 'missing');
    assert.ok(lookup.kind === 'missing' && lookup.missing.includes('model.safetensors'));

    const before = hub.requests.length;
    const resumed = await downloadModel(REPO, opts);
    const ranged = hub.requests.slice(before).filter((r) => r.url.startsWith('/cdn/') && r.range && r.range !== 'bytes=0-0');
    assert.equal(ranged.length, 1);
    const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(ranged[0].range!)!.map(Number);
    assert.ok(start > 0 && start <= half && end === WEIGHTS_SIZE - 1, `it asks for the rest only: ${ranged[0].range}`);
    const weights = join(resumed.folder, 'model.safetensors');
    assert.equal(sha256(weights), readlinkSync(weights).split('/').pop());
    assert.equal(resolveCached(REPO, 'main', opts.cacheDir).kind, 'cached');
  });

  test('within one call, dropped connections and 5xx answers are retried', async () => {
    hub.faults.drop = new Map([['model.safetensors', { afterBytes: 1000, times: 1 }]]);
    hub.faults.status = new Map([['model.safetensors', { code: 503, times: 1 }]]);
    const result = await downloadModel(REPO, options({ maxAttempts: 3 }));
    assert.ok(result.downloaded.includes('model.safetensors'));
    hub.faults.status = new Map([['model.safetensors', { code: 502, times: 5 }]]);
    const failed = await rejection(downloadModel(REPO, options({ maxAttempts: 2 })));
    assert.equal(failed.kind, 'server');
    assert.match(failed.message, /Downloading model\.safetensors of test-org\/tiny-bert failed .*HTTP 502/);
    hub.faults.status = undefined;
  });

  test('a corrupt body is rejected by its sha256 and fetched again; if it stays corrupt, nothing is kept', async () => {
    hub.faults.corrupt = new Map([['model.safetensors', { times: 1 }]]);
    const healed = await downloadModel(REPO, options({ maxAttempts: 2 }));
    const weights = join(healed.folder, 'model.safetensors');
    assert.equal(sha256(weights), readlinkSync(weights).split('/').pop());

    hub.faults.corrupt = new Map([['model.safetensors', { times: 5 }]]);
    const opts = options({ maxAttempts: 2 });
    const corrupt = await rejection(downloadModel(REPO, opts));
    assert.equal(corrupt.kind, 'integrity');
    assert.match(corrupt.message, /model\.safetensors of test-org\/tiny-bert: the downloaded bytes do not match the Hub's LFS sha256/);
    const blobs = readdirSync(join(opts.cacheDir, REPO_DIR, 'blobs'));
    assert.ok(!blobs.some((b) => b.length === 64 || b.endsWith('.incomplete')), `no weights blob or partial: ${blobs.join(', ')}`);
    hub.faults.corrupt = undefined;
  });

  test('a stalled transfer times out with a message naming the file', async () => {
    hub.faults.stall = new Map([['model.safetensors', { afterBytes: 100, times: 1 }]]);
    const stalled = await rejection(downloadModel(REPO, options({ maxAttempts: 1, idleTimeoutMs: 150 })));
    assert.equal(stalled.kind, 'network');
    assert.match(stalled.message, /model\.safetensors .*nothing arrived for 0\.15 s \(HF_HUB_DOWNLOAD_TIMEOUT\)/);
  });

  test('offline: the cache only, no request, and the message lists what is missing', async () => {
    const opts = options({ offline: true });
    const before = hub.requests.length;
    const none = await rejection(downloadModel(REPO, opts));
    assert.equal(none.kind, 'offline-missing');
    assert.match(none.message, /test-org\/tiny-bert is not in the Hugging Face cache .*HF_HUB_OFFLINE=1 or --offline.*finetune-studio download test-org\/tiny-bert/);
    const online = await downloadModel(REPO, { ...opts, offline: false });
    rmSync(join(online.folder, '..', '..', 'blobs', readlinkSync(join(online.folder, 'tokenizer.json')).split('/').pop()!));
    const partial = await rejection(downloadModel(REPO, opts));
    assert.match(partial.message, /the cached snapshot of test-org\/tiny-bert \(.*\) lacks tokenizer\.json, and offline mode/);
    const otherRev = await rejection(downloadModel(`${REPO}@v1`, opts));
    assert.match(otherRev.message, /revision 'v1' of test-org\/tiny-bert is not in the cache \(cached: main\)/);
    const requestsOffline = hub.requests.length - before;
    assert.ok(requestsOffline > 0, 'the online download in between did make requests');
    const beforeOffline = hub.requests.length;
    await rejection(downloadModel(REPO, opts));
    assert.equal(hub.requests.length, beforeOffline);
  });

  test('without symlinks, snapshot files are real files and still resolve', async () => {
    const opts = options({ symlinks: false });
    const result = await downloadModel(REPO, opts);
    for (const file of NEEDED_FILES) assert.ok(lstatSync(join(result.folder, file)).isFile(), file);
    assert.equal(resolveCached(REPO, 'main', opts.cacheDir).kind, 'cached');
  });

  test('cancelling stops the download and keeps the partial file for a resume', async () => {
    const controller = new AbortController();
    hub.faults.stall = new Map([['model.safetensors', { afterBytes: 100, times: 1 }]]);
    const opts = options({ signal: controller.signal, onProgress: (p) => p.file === 'model.safetensors' && controller.abort() });
    const cancelled = await rejection(downloadModel(REPO, opts));
    assert.equal(cancelled.kind, 'cancelled');
    hub.faults.stall = undefined;
  });
});
