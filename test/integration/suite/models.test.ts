/**
 * The Models view's commands in the extension host, against the mock Hub on 127.0.0.1 and a fresh
 * cache (HF_ENDPOINT and HF_HUB_CACHE set in this process, which the extension and the trainers it
 * starts share): Download Model…, New Trainer Config from this model, Delete revision; and a run
 * whose Hub model downloads, with the cancellable notification, cancelled from the workbench.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { buildModelsTree } from '../../../client/models-tree';
import { scanCache } from '../../../src/hub/cache';
import { Commands } from '../../../src/protocol/commands';
import type { FineTuneStudioApi } from '../../../client/extension';
import type { RunState } from '../../../client/run-manager';
import { COMMIT_A, COMMIT_B, NEEDED_FILES, tinyModelFiles, tinyRepo } from '../../support/hub-fixtures';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { activateExtension, askLauncher, launcherDirectory, within, workspaceUri } from './helpers';

const RUN_MS = 120_000;

describe('Models view and Download Model', () => {
  let hub: MockHub;
  let api: FineTuneStudioApi;
  const cache = mkdtempSync(join(tmpdir(), 'fts-int-cache-'));
  const saved = { endpoint: process.env.HF_ENDPOINT, cache: process.env.HF_HUB_CACHE, timeout: process.env.HF_HUB_DOWNLOAD_TIMEOUT };

  before(async () => {
    api = await activateExtension();
    hub = await startMockHub([tinyRepo(), tinyRepo('test-org/slow-bert')]);
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = cache;
    // A stalled transfer waits for the cancel instead of being retried meanwhile.
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = '120';
  });
  after(async () => {
    for (const [key, value] of [['HF_ENDPOINT', saved.endpoint], ['HF_HUB_CACHE', saved.cache], ['HF_HUB_DOWNLOAD_TIMEOUT', saved.timeout]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
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

  it('a run whose Hub model downloads shows a cancellable notification; Cancel stops the run and leaves only <blob>.incomplete', async function () {
    if (!launcherDirectory()) this.skip(); // pressing Cancel needs the offline launcher's browser
    // The weights stall after 64 bytes, so the download is still running when Cancel is pressed.
    hub.faults.stall = new Map([['model.safetensors', { afterBytes: 64, times: 3 }]]);
    const configUri = workspaceUri('hub-download.trainer.yaml');
    writeFileSync(
      configUri.fsPath,
      [
        'model:',
        '  from_pretrained: test-org/slow-bert',
        'data:',
        '  train_file: data/train.jsonl',
        '  text_column: text',
        '  label_column: label',
        'backend: cpu',
        'training_args:',
        '  output_dir: runs/hub-download',
        '  max_steps: 2',
        '  logging_steps: 1',
        "  save_strategy: 'no'",
        '',
      ].join('\n'),
    );
    const run = await vscode.commands.executeCommand<RunState | undefined>('finetuneStudio.startTraining', configUri);
    assert.ok(run, 'Start Training started no run');
    await within(RUN_MS, 'the download notification with bytes received', api.whenRun((r) => r.id === run.id && (r.progress.download?.bytes ?? 0) >= 64 && api.downloadNotifications().includes(r.id)));
    const pressed = await askLauncher<{ text: string }>('cancel-model-download', { kind: 'clickNotificationButton', containing: 'Downloading model test-org/slow-bert', button: 'Cancel' });
    assert.match(pressed.text, /Downloading model test-org\/slow-bert/);
    const end = await within(RUN_MS, 'the cancelled run to end', api.runManager.whenEnded(run.id));
    assert.equal(end?.status, 'stopped', end?.error?.message);
    assert.ok(!run.events.some((e) => e.type === 'runStart'), 'the run never started training');
    assert.deepEqual(api.downloadNotifications(), []);
    const repo = join(cache, 'models--test-org--slow-bert');
    const sha = createHash('sha256').update(tinyModelFiles(0)['model.safetensors']).digest('hex');
    assert.deepEqual(readdirSync(join(repo, 'blobs')).filter((b) => b.startsWith(sha)), [`${sha}.incomplete`]);
    assert.ok(!existsSync(join(repo, 'snapshots', COMMIT_B, 'model.safetensors')), 'nothing in the snapshot looks complete');
  });
});
