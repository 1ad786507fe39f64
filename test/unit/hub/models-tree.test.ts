/** The Models view's data and its actions, on a cache filled from the mock Hub: tree nodes, delete a revision, the new-config text. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModelsTree, renderFromPretrainedConfig } from '../../../client/models-tree';
import { resolveCached, scanCache } from '../../../src/hub/cache';
import { applyDeletePlan, planRevisionDelete } from '../../../src/hub/delete';
import { downloadModel } from '../../../src/hub/download';
import { createNullConfigHost } from '../../../src/config/host';
import { parseConfigText } from '../../../src/config/parse';
import { validateParsedConfig } from '../../../src/config/validate';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { COMMIT_A, COMMIT_B, tinyRepo } from '../../support/hub-fixtures';

let hub: MockHub;
let cacheDir: string;
before(async () => {
  hub = await startMockHub([tinyRepo()]);
  cacheDir = mkdtempSync(join(tmpdir(), 'fts-tree-'));
  await downloadModel('test-org/tiny-bert', { cacheDir, endpoint: hub.url, retryDelayMs: 0 });
  await downloadModel('test-org/tiny-bert@v1', { cacheDir, endpoint: hub.url, retryDelayMs: 0 });
});
after(() => hub.close());

test('the tree lists each model with its revisions: refs, commit, model_type, parameters, size', () => {
  const [model] = buildModelsTree(scanCache(cacheDir));
  assert.equal(model.label, 'test-org/tiny-bert');
  assert.match(model.description, /^bert · 2 revisions · \d+(\.\d+)? kB$/);
  const labels = model.revisions.map((r) => r.label).sort();
  assert.deepEqual(labels, [`main (${COMMIT_B.slice(0, 8)})`, `v1 (${COMMIT_A.slice(0, 8)})`]);
  const v1 = model.revisions.find((r) => r.commit === COMMIT_A)!;
  assert.equal(v1.modelId, 'test-org/tiny-bert@v1');
  // [128, 129] + [2, 128] weights (tinyModelFiles(1)).
  assert.match(v1.description, /^bert · 16\.8k params · \d+(\.\d+)? kB$/);
  assert.equal(model.revisions.find((r) => r.commit === COMMIT_B)!.modelId, 'test-org/tiny-bert');
});

test('deleting a revision removes its snapshot, ref, tree listing and the blobs only it used', () => {
  const [model] = scanCache(cacheDir);
  const blobsBefore = readdirSync(join(model.repoDir, 'blobs'));
  const plan = planRevisionDelete(model, COMMIT_A, (p) => statSync(p).size);
  assert.ok(plan.freedBytes > 0);
  applyDeletePlan(model, plan);
  assert.equal(resolveCached('test-org/tiny-bert', 'v1', cacheDir).kind, 'missing');
  assert.equal(resolveCached('test-org/tiny-bert', 'main', cacheDir).kind, 'cached', 'the other revision keeps its shared blobs');
  assert.ok(!existsSync(join(model.repoDir, 'refs', 'v1')));
  const blobsAfter = readdirSync(join(model.repoDir, 'blobs'));
  assert.equal(blobsBefore.length - blobsAfter.length, 2, 'its config.json and weights; the tokenizer blobs are shared');
  // The last revision takes the whole repo folder with it.
  const [left] = scanCache(cacheDir);
  applyDeletePlan(left, planRevisionDelete(left, COMMIT_B, (p) => statSync(p).size));
  assert.ok(!existsSync(left.repoDir));
});

test('"New Trainer Config from this model" writes a config that validates', () => {
  const text = renderFromPretrainedConfig('test-org/tiny-bert@v1');
  assert.match(text, /from_pretrained: test-org\/tiny-bert@v1 /);
  const { problems } = validateParsedConfig(parseConfigText(text, '/w/x.trainer.yaml'), createNullConfigHost());
  assert.deepEqual(problems.filter((p) => p.severity === 'error'), []);
});
