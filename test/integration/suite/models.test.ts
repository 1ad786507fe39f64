/**
 * The Models view's commands in the extension host, against the mock Hub on 127.0.0.1 and a fresh
 * cache (HF_ENDPOINT and HF_HUB_CACHE set in this process, which the extension shares):
 * Download Model…, New Trainer Config from this model, Delete revision.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { buildModelsTree } from '../../../client/models-tree';
import { scanCache } from '../../../src/hub/cache';
import { Commands } from '../../../src/protocol/commands';
import { COMMIT_A, NEEDED_FILES, tinyRepo } from '../../support/hub-fixtures';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { activateExtension } from './helpers';

describe('Models view and Download Model', () => {
  let hub: MockHub;
  const cache = mkdtempSync(join(tmpdir(), 'fts-int-cache-'));
  const saved = { endpoint: process.env.HF_ENDPOINT, cache: process.env.HF_HUB_CACHE };

  before(async () => {
    await activateExtension();
    hub = await startMockHub([tinyRepo()]);
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = cache;
  });
  after(async () => {
    process.env.HF_ENDPOINT = saved.endpoint;
    process.env.HF_HUB_CACHE = saved.cache;
    if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT;
    if (saved.cache === undefined) delete process.env.HF_HUB_CACHE;
    await hub?.close();
  });

  it('Download Model… fetches into the cache, and the Models view opens on it', async () => {
    const folder = await vscode.commands.executeCommand<string | undefined>(Commands.downloadModel, 'test-org/tiny-bert@v1');
    assert.equal(folder, join(cache, 'models--test-org--tiny-bert', 'snapshots', COMMIT_A));
    assert.deepEqual(readdirSync(folder).sort(), NEEDED_FILES);
    await vscode.commands.executeCommand('finetuneStudio.models.focus');
    await vscode.commands.executeCommand(Commands.refreshModels);
  });

  it('New Trainer Config from this model opens a config that names it; Delete revision removes it', async () => {
    const [model] = buildModelsTree(scanCache(cache));
    const revision = model.revisions[0];
    assert.equal(revision.modelId, 'test-org/tiny-bert@v1');
    const document = await vscode.commands.executeCommand<vscode.TextDocument>(Commands.newConfigFromModel, revision);
    assert.match(document.getText(), /from_pretrained: test-org\/tiny-bert@v1 /);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    const deleted = await vscode.commands.executeCommand<boolean>(Commands.deleteModelRevision, revision, true);
    assert.equal(deleted, true);
    assert.ok(!existsSync(revision.folder));
  });
});
