/** The extension activates from the development folder and hands out its API. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, within } from './helpers';

describe('activation', () => {
  it('is found by id and activates with its API', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    const api = await activateExtension();
    assert.equal(extension.isActive, true);
    assert.equal(api.statusBarText(), undefined, 'the status bar item is hidden while nothing runs');
    await within(30_000, 'the language client to start', api.languageClientReady);
    assert.equal(api.languageServerHealth(), 'ready');
  });

  it('registers every Fine-Tune command', async () => {
    const commands = await vscode.commands.getCommands(true);
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string }[] } })
      .contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 7);
    for (const id of contributed) assert.ok(commands.includes(id), `${id} is contributed but not registered`);
  });

  it('runs in a trusted folder here (the trust refusal is checked in the untrusted launch)', () => {
    assert.equal(vscode.workspace.isTrusted, true);
  });
});
