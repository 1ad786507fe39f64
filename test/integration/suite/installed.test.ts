/** Smoke test of the extension installed from the .vsix (not the development folder). */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, codeOf, diagnosticsWhen, EXTENSION_ID, openInEditor, untilAnswered, within, workspaceUri } from './helpers';

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

describe('the installed trainer CLI', () => {
  it('trains a config with a custom trainer module (compiled by the shipped esbuild), on wasm with the shipped native kernels', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    // A copy outside the workspace: the trust test expects the workspace to hold no run.
    const dir = mkdtempSync(join(tmpdir(), 'fts-installed-cli-'));
    try {
      for (const part of ['custom', 'data']) cpSync(workspaceUri(part).fsPath, join(dir, part), { recursive: true });
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [join(extension.extensionPath, 'dist', 'cli.js'), 'train', join(dir, 'custom', 'accum.trainer.yaml'), '--json', '--backend', 'wasm'],
          // The extension host may be Electron; the CLI runs as plain Node, as the extension runs it.
          { cwd: dir, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
          (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
        );
      });
      const events = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; status?: string; step?: number; backend?: { kernels?: string } });
      const end = events.find((e) => e.type === 'runEnd');
      assert.equal(end?.status, 'completed');
      // The .vsix ships dist/native/fts_native.node (scripts/package.ts checks it): the run uses it.
      assert.match(events.find((e) => e.type === 'runStart')?.backend?.kernels ?? '', /^wasm \+ native BLAS \(OpenBLAS [\d.]+, \d+ threads?\)$/);
      assert.equal(end?.step, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
