/**
 * The language server through VS Code's own provider commands: completion and hover in a
 * *.trainer.yaml, a diagnostic with a quick fix applied, and the computeLoss override warning.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, codeOf, diagnosticsWhen, openInEditor, untilAnswered, within } from './helpers';

const labelOf = (item: vscode.CompletionItem) => (typeof item.label === 'string' ? item.label : item.label.label);

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('language features in a trainer config', () => {
  before(async () => {
    const api = await activateExtension();
    await within(30_000, 'the language client to start', api.languageClientReady);
  });

  it('completes top-level keys and enum values', async () => {
    const editor = await openInEditor('scratch.trainer.yaml');
    const uri = editor.document.uri;
    // The file ends with a newline: the last line is an empty top-level line.
    const lastLine = editor.document.lineCount - 1;
    const keys = await untilAnswered(
      () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(lastLine, 0)),
      (list) => list.items.some((i) => labelOf(i) === 'data'),
      'completion of top-level keys',
    );
    const labels = keys.items.map(labelOf);
    for (const key of ['data', 'metrics', 'loss_name']) assert.ok(labels.includes(key), `completion lacks ${key}: ${labels.join(', ')}`);
    assert.ok(!labels.includes('model'), 'a key already present is not offered again');

    // `architecture: |` offers the built-in architectures.
    const line = editor.document.lineAt(1).text;
    const values = await untilAnswered(
      () => vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(1, line.indexOf(':') + 2)),
      (list) => list.items.some((i) => labelOf(i) === 'mlp'),
      'completion of architecture values',
    );
    assert.ok(values.items.map(labelOf).includes('transformer-encoder'));
  });

  it('hovers a training argument with its type, default and docs', async () => {
    const editor = await openInEditor('scratch.trainer.yaml');
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('learning_rate'));
    const hovers = await untilAnswered(
      () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line, 5)),
      (answer) => hoverText(answer).includes('learning_rate'),
      'hover on learning_rate',
    );
    assert.match(hoverText(hovers), /\*\*learning_rate\*\* · `number` · default `0.00005`/);
  });

  it('reports a renamed Hugging Face key and its quick fix removes the diagnostic', async () => {
    const editor = await openInEditor('deprecated.trainer.yaml');
    const uri = editor.document.uri;
    const [renamed] = (await diagnosticsWhen(uri, (ds) => ds.some((d) => codeOf(d) === 'FTS110'), 'the FTS110 diagnostic')).filter(
      (d) => codeOf(d) === 'FTS110',
    );
    assert.equal(renamed.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(renamed.message, /evaluation_strategy.*eval_strategy/);

    const actions = await untilAnswered(
      () => vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, renamed.range, vscode.CodeActionKind.QuickFix.value),
      (answer) => answer.some((a) => a.edit !== undefined),
      'quick fixes for FTS110',
    );
    const fix = actions.find((a) => a.edit && /eval_strategy/.test(a.title));
    assert.ok(fix?.edit, `no quick fix for FTS110 among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(editor.document.getText(), /^ {2}eval_strategy: epoch$/m);
    await diagnosticsWhen(uri, (ds) => !ds.some((d) => codeOf(d) === 'FTS110'), 'FTS110 to go away after the quick fix');
    await editor.document.save();
  });

  it('warns when computeLoss ignores numItemsInBatch under gradient accumulation', async () => {
    const editor = await openInEditor('custom', 'accum_trainer.ts');
    const diagnostics = await diagnosticsWhen(editor.document.uri, (ds) => ds.some((d) => codeOf(d) === 'FTS803'), 'the FTS803 override warning');
    const warning = diagnostics.find((d) => codeOf(d) === 'FTS803');
    assert.ok(warning);
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(warning.message, /numItemsInBatch/);
    assert.match(warning.message, /gradient_accumulation_steps: 4/);
    assert.match(warning.message, /accum\.trainer\.yaml/);
  });
});
