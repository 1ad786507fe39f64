/**
 * The cache is shared with Python: huggingface_hub (the reference Python, run through
 * test/fixtures/hub/hf_cache.py) downloads from the mock Hub and our resolver reads its cache as
 * is; we download and Python's scan_cache_dir and local_files_only lookups read ours; and both
 * lay the same repo out identically (names, relative links, refs, trees/<commit>.json).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPython, skipWithoutPython } from '../../support/reference-python';
import { startMockHubInWorker } from '../../support/mock-hub';
import { COMMIT_B, NEEDED_FILES, tinyRepo } from '../../support/hub-fixtures';
import { resolveCached, scanCache } from '../../../src/hub/cache';
import { downloadModel } from '../../../src/hub/download';

const SCRIPT = join(__dirname, '..', '..', 'fixtures', 'hub', 'hf_cache.py');
const REPO = 'test-org/tiny-bert';
const skip = skipWithoutPython();

/** Every entry under a folder: relative path, and the link target or 'file' / 'dir'. */
function layout(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, prefix)).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const stat = lstatSync(join(root, rel));
    if (stat.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(join(root, rel))}`);
    else if (stat.isDirectory()) out.push(`${rel}/`, ...layout(root, rel));
    else out.push(rel);
  }
  return out;
}

describe('the hub cache shared with Python huggingface_hub', { skip }, () => {
  let hub: { url: string; close(): Promise<void> };
  const pythonCache = mkdtempSync(join(tmpdir(), 'fts-pycache-'));
  const ourCache = mkdtempSync(join(tmpdir(), 'fts-ourcache-'));
  let pythonFolder: string;

  before(async () => {
    hub = await startMockHubInWorker([tinyRepo()]);
    pythonFolder = (JSON.parse(runPython(SCRIPT, ['download', hub.url, pythonCache, REPO, 'main', JSON.stringify(NEEDED_FILES)])) as { folder: string }).folder;
    await downloadModel(REPO, { cacheDir: ourCache, endpoint: hub.url, retryDelayMs: 0 });
  });
  after(() => hub?.close());

  test('a snapshot Python downloaded resolves here as is', () => {
    const lookup = resolveCached(REPO, 'main', pythonCache);
    assert.equal(lookup.kind, 'cached');
    assert.equal(lookup.kind === 'cached' && lookup.folder, pythonFolder);
    const [model] = scanCache(pythonCache);
    assert.equal(model.repoId, REPO);
    assert.equal(model.revisions[0].modelType, 'bert');
    assert.deepEqual(model.revisions[0].refs, ['main']);
    assert.equal(model.revisions[0].parameters, 128 * 128 + 2 * 128);
  });

  test('Python reads what was downloaded here: scan_cache_dir, hf_hub_download and snapshot_download offline', () => {
    const read = JSON.parse(runPython(SCRIPT, ['read', ourCache, REPO, 'main', JSON.stringify(NEEDED_FILES)])) as {
      repos: { repo_id: string; refs: string[]; size_on_disk: number; revisions: { commit_hash: string; refs: string[]; files: string[] }[] }[];
      warnings: string[];
      paths: Record<string, string>;
      snapshot: string;
    };
    assert.deepEqual(read.warnings, []);
    assert.equal(read.repos.length, 1);
    assert.equal(read.repos[0].repo_id, REPO);
    assert.deepEqual(read.repos[0].refs, ['main']);
    assert.deepEqual(read.repos[0].revisions, [{ commit_hash: COMMIT_B, refs: ['main'], files: NEEDED_FILES }]);
    assert.equal(read.repos[0].size_on_disk, scanCache(ourCache)[0].sizeOnDisk);
    const folder = join(ourCache, 'models--test-org--tiny-bert', 'snapshots', COMMIT_B);
    assert.equal(read.snapshot, folder);
    for (const file of NEEDED_FILES) assert.equal(read.paths[file], join(folder, file));
  });

  test('both caches have the same layout, link for link, and the same tree listing', () => {
    const repoDir = 'models--test-org--tiny-bert';
    assert.deepEqual(layout(join(ourCache, repoDir)), layout(join(pythonCache, repoDir)));
    const tree = (cache: string) => JSON.parse(readFileSync(join(cache, repoDir, 'trees', `${COMMIT_B}.json`), 'utf8'));
    assert.deepEqual(tree(ourCache), tree(pythonCache));
  });
});
