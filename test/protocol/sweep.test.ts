/** Sweep files through the real language server over stdio: diagnostics, quick fix, completion, hover. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent, TextEdit } from 'vscode-languageserver-protocol/node';
import { applyEdits, createLineIndex } from '../../src/config/index';
import { pathToUri } from '../../server/uri';
import { LspTestClient, copyFixtures, itemsOf } from './lsp-client';

const SWEEP = `base: sentiment.trainer.yaml
trials: 4
parameters:
  training_args.learning_rat: { distribution: log_uniform, min: 1.0e-4, max: 1.0e-2 }
  model.dropout: { values: [0.1, 2] }
  
objective:
  metric_for_best_model: eval_accuracy
`;


describe('sweep files in the language server', () => {
  let root: string;
  let client: LspTestClient;

  before(async () => {
    root = copyFixtures();
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 } });
  });

  after(async () => {
    assert.equal(await client.stop(), 0);
    rmSync(root, { recursive: true, force: true });
  });

  it('reports parameter paths and values with positions; did-you-mean is a quick fix', async () => {
    const path = join(root, 'lr.sweep.yaml');
    writeFileSync(path, SWEEP);
    const uri = pathToUri(path);
    const version = await client.open(uri, 'yaml', SWEEP);
    const { diagnostics } = await client.diagnosticsForVersion(uri, version);
    const typo = diagnostics.find((d) => d.code === 'FTS300');
    assert.deepEqual(typo?.range, { start: { line: 3, character: 2 }, end: { line: 3, character: 28 } });
    assert.match(typo?.message ?? '', /did you mean `training_args.learning_rate`/);
    const range = diagnostics.find((d) => d.code === 'FTS301');
    assert.deepEqual(range?.range.start, { line: 4, character: 33 });
    assert.match(range?.message ?? '', /`model.dropout` must be between 0 and 0.99, but is 2/);
    assert.equal(diagnostics.length, 2, JSON.stringify(diagnostics.map((d) => d.message)));

    const actions = await client.codeActions(uri, typo!);
    assert.equal(actions[0]?.title, 'Rename to `training_args.learning_rate`');
    const edits = (actions[0].edit?.changes?.[uri] ?? []) as TextEdit[];
    const index = createLineIndex(SWEEP);
    const fixed = applyEdits(SWEEP, edits, (p) => index.offsetAt(p)).replace('2] }', '0.3] }');
    const next = await client.change(uri, fixed);
    assert.deepEqual((await client.diagnosticsForVersion(uri, next)).diagnostics, []);
  });

  it('completes trainer fields under parameters and sweep keys at the top level; hover shows the field doc', async () => {
    const uri = pathToUri(join(root, 'lr.sweep.yaml'));
    const fields = itemsOf(await client.completion(uri, { line: 5, character: 2 })).map((i) => i.label);
    assert.ok(fields.includes('training_args.weight_decay') && fields.includes('model.num_layers'), fields.join(', '));
    assert.ok(!fields.includes('model.dropout'), 'keys already present are not offered');
    assert.ok(!fields.includes('training_args.output_dir'), 'the sweep owns output_dir');
    const top = itemsOf(await client.completion(uri, { line: 8, character: 0 })).map((i) => i.label);
    assert.ok(top.includes('early_termination') && top.includes('method') && !top.includes('base'), top.join(', '));
    const hover = await client.hover(uri, { line: 4, character: 5 });
    assert.match((hover?.contents as MarkupContent).value, /Sweep parameter: sets the trainer field[\s\S]*Dropout rate/);
  });
});
