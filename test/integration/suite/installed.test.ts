/** Smoke test of the extension installed from the .vsix (not the development folder). */
import * as assert from 'node:assert/strict';
import { sep } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, codeOf, diagnosticsWhen, EXTENSION_ID, openInEditor, untilAnswered, within } from './helpers';

describe('the installed .vsix', () => {
  it('is loaded from the extensions folder', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    const expected = process.env.FTS_EXTENSIONS_DIR;
    assert.ok(expected, 'the launcher sets FTS_EXTENSIONS_DIR');
    assert.ok(extension.extensionPath.startsWith(expected + sep), `${extension.extensionPath} is not under ${expected}`);
  });

  it('activates, completes and validates a config', async () => {
    const api = await activateExtension();
    await within(30_000, 'the language client to start', api.languageClientReady);
    const editor = await openInEditor('scratch.trainer.yaml');
    const list = await untilAnswered(
      () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(editor.document.lineCount - 1, 0)),
      (answer) => answer.items.some((i) => i.label === 'data'),
      'completion in the installed extension',
    );
    assert.ok(list.items.length > 3);
    const diagnostics = await diagnosticsWhen(editor.document.uri, (ds) => ds.some((d) => codeOf(d) === 'FTS104'), 'the missing-data diagnostic');
    assert.match(diagnostics.find((d) => codeOf(d) === 'FTS104')?.message ?? '', /missing the required key `data`/);
  });
});
