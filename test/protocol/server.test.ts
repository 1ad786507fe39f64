/**
 * The real server over stdio: initialize, didOpen/didChange, publishDiagnostics, completion,
 * hover, codeAction, codeLens, documentSymbol, shutdown/exit.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic, MarkupContent, TextEdit } from 'vscode-languageserver-protocol/node';
import { applyEdits, createLineIndex } from '../../src/config/index';
import { pathToUri } from '../../server/uri';
import { LspTestClient, copyFixtures, itemsOf } from './lsp-client';

function apply(text: string, edits: readonly TextEdit[]): string {
  const index = createLineIndex(text);
  return applyEdits(text, edits, (p) => index.offsetAt(p));
}


describe('language server over stdio', () => {
  let root: string;
  let client: LspTestClient;

  before(async () => {
    root = copyFixtures();
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 } });
  });

  after(async () => {
    const code = await client.stop();
    assert.equal(code, 0, 'the server exits cleanly after shutdown/exit');
    rmSync(root, { recursive: true, force: true });
  });

  it('announces its capabilities', () => {
    const caps = client.initializeResult?.capabilities;
    assert.ok(caps?.completionProvider && caps.hoverProvider && caps.codeActionProvider && caps.codeLensProvider && caps.documentSymbolProvider);
  });

  it('reports the broken config with exact ranges, and each quick fix removes its problem', async () => {
    const path = join(root, 'broken.trainer.yaml');
    const uri = pathToUri(path);
    let text = readFileSync(path, 'utf8');
    await client.open(uri, 'yaml', text);
    const first = await client.diagnosticsForVersion(uri, 1);
    const find = (diags: Diagnostic[], code: string) => diags.find((d) => d.code === code);
    assert.deepEqual(find(first.diagnostics, 'FTS110')?.range, { start: { line: 11, character: 2 }, end: { line: 11, character: 21 } });
    assert.deepEqual(find(first.diagnostics, 'FTS100')?.range, { start: { line: 15, character: 2 }, end: { line: 15, character: 14 } });
    assert.match(find(first.diagnostics, 'FTS100')?.message ?? '', /did you mean `learning_rate`/);
    assert.deepEqual(find(first.diagnostics, 'FTS201')?.range, { start: { line: 13, character: 17 }, end: { line: 13, character: 22 } });

    let diagnostics = first.diagnostics;
    // FTS202 (save_steps not a multiple of eval_steps) appears once the strategies agree.
    for (const code of ['FTS110', 'FTS100', 'FTS201', 'FTS202']) {
      const diagnostic = find(diagnostics, code);
      assert.ok(diagnostic, `${code} reported`);
      const actions = await client.codeActions(uri, diagnostic);
      const action = actions.find((a) => a.diagnostics?.some((d) => d.code === code));
      assert.ok(action?.edit?.changes?.[uri], `${code} has a quick fix`);
      assert.equal(action.kind, 'quickfix');
      text = apply(text, action.edit.changes[uri]);
      const version = await client.change(uri, text);
      diagnostics = (await client.diagnosticsForVersion(uri, version)).diagnostics;
      assert.equal(find(diagnostics, code), undefined, `${code} is gone after its fix`);
    }
    assert.match(text, /# the old HF name\n {2}eval_strategy: steps/, 'comments and layout survive the fixes');
  });

  // Debounce over the wire: quick edits publish once, for the latest version. That a result
  // computed for an old version is dropped is tested on the scheduler itself
  // (test/unit/server/diagnostics-scheduler.test.ts), where the timing can be controlled.
  it('publishes the diagnostics of the latest version only, after quick edits', async () => {
    const uri = pathToUri(join(root, 'quick.trainer.yaml'));
    await client.open(uri, 'yaml', 'model:\n  num_labls: 2\n');
    await client.change(uri, 'model:\n  num_labes: 2\n');
    const version = await client.change(uri, 'model:\n  num_labels: 2\ndata:\n  train_file: data/train.jsonl\n');
    const published = await client.diagnostics(uri);
    assert.equal(published.version, version, 'the first diagnostics published are those of the latest version');
    assert.ok(!published.diagnostics.some((d) => d.code === 'FTS100'));
  });

  it('completes learning_rate inside training_args with its doc and default', async () => {
    const uri = pathToUri(join(root, 'complete.trainer.yaml'));
    const text = 'data:\n  train_file: data/train.jsonl\n  label_column: \ntraining_args:\n  output_dir: runs/x\n  \n';
    await client.open(uri, 'yaml', text);
    const items = itemsOf(await client.completion(uri, { line: 5, character: 2 }));
    const lr = items.find((i) => i.label === 'learning_rate');
    assert.ok(lr, 'learning_rate offered');
    const doc = (lr.documentation as MarkupContent).value;
    assert.match(doc, /Peak learning rate/);
    assert.match(doc, /default `0.00005`/);
    assert.ok(!items.some((i) => i.label === 'output_dir'), 'present keys are not offered again');

    const columns = itemsOf(await client.completion(uri, { line: 2, character: 16 }));
    assert.deepEqual(columns.map((i) => i.label), ['text', 'label', 'source']);
  });

  it('hovers a key with its doc and the HF difference', async () => {
    const uri = pathToUri(join(root, 'sentiment.trainer.yaml'));
    await client.open(uri, 'yaml', readFileSync(join(root, 'sentiment.trainer.yaml'), 'utf8'));
    const hover = await client.hover(uri, { line: 3, character: 4 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*num_labels\*\*/);
    assert.match(value, /Differs from Hugging Face/);
    const symbols = await client.symbols(uri);
    assert.deepEqual(symbols?.map((s) => s.name), ['model', 'data', 'trainer', 'loss_name', 'metrics', 'training_args']);
  });

  it('warns on the computeLoss signature when numItemsInBatch is ignored under gradient accumulation', async () => {
    const path = join(root, 'override-ws/accum_trainer.ts');
    const uri = pathToUri(path);
    await client.open(uri, 'typescript', readFileSync(path, 'utf8'));
    const { diagnostics } = await client.diagnosticsForVersion(uri, 1);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'FTS803');
    assert.equal(diagnostics[0].severity, 2);
    assert.deepEqual(diagnostics[0].range, { start: { line: 3, character: 11 }, end: { line: 3, character: 52 } });
    assert.match(diagnostics[0].message, /gradient_accumulation_steps: 4/);

    const hover = await client.hover(uri, { line: 3, character: 15 });
    assert.match((hover?.contents as MarkupContent).value, /returnOutputs/);
    const lenses = await client.codeLenses(uri);
    assert.equal(lenses?.[0].command?.command, 'finetuneStudio.startTraining');
    assert.deepEqual(lenses?.[0].command?.arguments, [pathToUri(join(root, 'override-ws/accum.trainer.yaml'))]);
    const line4 = readFileSync(path, 'utf8').split('\n')[4];
    const inputs = itemsOf(await client.completion(uri, { line: 4, character: line4.indexOf('inputs.') + 'inputs.'.length }));
    assert.deepEqual(inputs.slice(0, 3).map((i) => i.label), ['labels', 'input_ids', 'attention_mask']);
  });

  it('offers Resume on a config whose output_dir holds checkpoints', async () => {
    const uri = pathToUri(join(root, 'override-ws/accum.trainer.yaml'));
    await client.open(uri, 'yaml', readFileSync(join(root, 'override-ws/accum.trainer.yaml'), 'utf8'));
    const lenses = await client.codeLenses(uri);
    assert.deepEqual(lenses?.map((l) => l.command?.title), ['▶ Train', 'Validate', 'Resume from checkpoint-16']);
  });
});
