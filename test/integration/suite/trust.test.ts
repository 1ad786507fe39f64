/**
 * Workspace Trust: in an untrusted folder, Start Training refuses a config that loads a custom
 * trainer module, with an error notification, and starts nothing. Runs in the launch whose folder
 * is untrusted; skipped where the host disables Workspace Trust (test-electron always does).
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { activateExtension, askLauncher, launcherDirectory, within, workspaceUri } from './helpers';

describe('workspace trust', () => {
  it('refuses to run a custom trainer in an untrusted workspace', async function () {
    if (vscode.workspace.isTrusted || !launcherDirectory()) this.skip();
    const api = await activateExtension();
    const runsBefore = api.runManager.list().length;
    // The refusal is an error notification that waits for the person's choice; the launcher reads
    // its text from the workbench and closes it, which settles the command.
    const notification = askLauncher<{ text: string }>('trust-refusal', { kind: 'closeNotification', containing: 'Training refused' });
    const started = vscode.commands.executeCommand<unknown>('finetuneStudio.startTraining', workspaceUri('custom', 'accum.trainer.yaml'));
    const { text } = await notification;
    assert.match(text, /accum\.trainer\.yaml loads the custom trainer module \.\/accum_trainer\.ts/);
    assert.match(text, /Trust the workspace/);
    assert.equal(await within(30_000, 'Start Training to return', Promise.resolve(started)), undefined);
    assert.equal(api.runManager.list().length, runsBefore, 'a run was started');
    assert.ok(!existsSync(workspaceUri('custom', 'runs').fsPath), 'the trainer wrote a run folder');
  });
});
