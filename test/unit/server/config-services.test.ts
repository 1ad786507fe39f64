import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompletionItem, MarkupContent, TextEdit } from 'vscode-languageserver';
import { applyEdits, createLineIndex } from '../../../src/config/index';
import { createServiceContext } from '../../../server/context';
import { configCodeActions } from '../../../server/services/config/code-actions';
import { configCodeLenses } from '../../../server/services/config/code-lens';
import { configCompletions } from '../../../server/services/config/completion';
import { configDiagnostics } from '../../../server/services/config/diagnostics';
import { configHover } from '../../../server/services/config/hover';
import { configSymbols } from '../../../server/services/config/symbols';
import { createMemoryFiles } from './memory-files';

const CONFIG = '/ws/cfg.trainer.yaml';
const files = createMemoryFiles({
  '/ws/data/train.jsonl': '{"text": "good", "label": 1, "lang": "en"}\n{"text": "bad", "label": 0, "extra": true}\n',
  '/ws/data/valid.jsonl': '{"text": "ok", "label": 1}\n',
  '/ws/data/iris.csv': 'sepal_length,"petal length",species\n1,2,setosa\n',
  '/ws/data/notes.txt': 'not data',
  '/ws/my_trainer.ts': 'export {}',
  '/ws/runs/a/checkpoint-4/trainer_state.json': '{}',
  // Incomplete (killed mid-save): no trainer_state.json, so the Trainer would refuse it.
  '/ws/runs/a/checkpoint-16/model.safetensors': '',
  '/ws/runs/a/checkpoint-8/trainer_state.json': '{}',
  '/ws/runs/a/checkpoint-x/trainer_state.json': '{}',
  '/ws/runs/a/checkpoint-12.tmp-99/trainer_state.json': '{}',
  // The schema's default output_dir, for a config that sets none.
  '/ws/trainer_output/checkpoint-3/trainer_state.json': '{}',
});
const context = createServiceContext(files);

/** Completion at the `|` marker. */
function complete(textWithCursor: string, fileName = CONFIG): CompletionItem[] {
  const offset = textWithCursor.indexOf('|');
  const text = textWithCursor.slice(0, offset) + textWithCursor.slice(offset + 1);
  const position = createLineIndex(text).positionAt(offset);
  return configCompletions(text, fileName, position, context).items;
}

function docOf(item: CompletionItem | undefined): string {
  return (item?.documentation as MarkupContent | undefined)?.value ?? '';
}

function apply(text: string, edits: TextEdit[]): string {
  const index = createLineIndex(text);
  return applyEdits(text, edits, (p) => index.offsetAt(p));
}

const BASE = 'model:\n  architecture: text-classifier\ndata:\n  train_file: data/train.jsonl\n  eval_file: data/valid.jsonl\n';

describe('config completion', () => {
  it('lists training_args keys with docs and defaults, minus present ones', () => {
    const items = complete(`${BASE}training_args:\n  output_dir: runs/a\n  |`);
    const lr = items.find((i) => i.label === 'learning_rate');
    assert.ok(lr);
    assert.match(docOf(lr), /Peak learning rate/);
    assert.match(docOf(lr), /default `0.00005`/);
    assert.equal(lr.textEdit?.newText, 'learning_rate: ${1:0.00005}');
    assert.ok(!items.some((i) => i.label === 'output_dir'));
    const optim = items.find((i) => i.label === 'optim');
    assert.match(docOf(optim), /Differs from Hugging Face/);
    assert.match(optim?.textEdit?.newText ?? '', /^optim: \$\{1\|adamw_torch,adamw,adam,/);
  });

  it('completes a partly typed key and replaces the word', () => {
    const items = complete(`${BASE}training_args:\n  lear|`);
    const lr = items.find((i) => i.label === 'learning_rate');
    assert.deepEqual(lr?.textEdit && 'range' in lr.textEdit ? lr.textEdit.range : undefined, { start: { line: 6, character: 2 }, end: { line: 6, character: 6 } });
  });

  it('offers section snippets at the top level for missing sections', () => {
    const items = complete('model:\n  num_labels: 2\n|');
    const snippets = items.filter((i) => i.labelDetails?.description === 'section snippet').map((i) => i.label);
    assert.deepEqual(snippets, ['data', 'training_args']);
    const training = items.find((i) => i.label === 'training_args' && i.labelDetails);
    assert.match(training?.textEdit?.newText ?? '', /^training_args:\n {2}output_dir: \$\{1:runs\/my-run\}\n/);
  });

  it('lists enum values with their docs and booleans', () => {
    const strategies = complete(`${BASE}training_args:\n  eval_strategy: |`);
    assert.deepEqual(strategies.map((i) => i.label), ['no', 'steps', 'epoch']);
    assert.match(docOf(strategies[2]), /end of every epoch/);
    const bools = complete(`${BASE}training_args:\n  load_best_model_at_end:|`);
    assert.deepEqual(bools.map((i) => i.textEdit?.newText), [' true', ' false']);
  });

  it('completes a new item inside a flow list', () => {
    const items = complete('metrics: [|]');
    assert.ok(items.some((i) => i.label === 'accuracy' && docOf(i).includes('correct class predictions')));
    const columns = complete(`${BASE}  feature_columns: [text, |]`);
    assert.deepEqual(columns.map((i) => i.label), ['label', 'lang', 'extra'], 'an item already listed is not offered again');
    const block = complete('metrics:\n  - f1\n  - |');
    assert.ok(!block.some((i) => i.label === 'f1') && block.some((i) => i.label === 'accuracy'));
  });

  it('lists the columns of the train file', () => {
    const items = complete(`${BASE}  label_column: |`);
    assert.deepEqual(items.map((i) => i.label), ['text', 'label', 'lang', 'extra']);
    const csv = complete('{"data": {"train_file": "data/iris.csv", "feature_columns": ["|"]}}', '/ws/t.trainer.json');
    assert.deepEqual(csv.map((i) => i.textEdit?.newText), ['"sepal_length"', '"petal length"', '"species"']);
  });

  it('completes loss names with aliases and the metrics in effect', () => {
    const losses = complete(`${BASE}loss_name: |`).map((i) => i.label);
    assert.ok(losses.includes('CrossEntropy') && losses.includes('CrossEntropyLoss') && losses.includes('FocalLoss'));
    const metrics = complete(`${BASE}metrics: [f1, recall]\ntraining_args:\n  metric_for_best_model: |`).map((i) => i.label);
    assert.deepEqual(metrics, ['loss', 'f1', 'recall']);
    const defaults = complete(`${BASE}training_args:\n  metric_for_best_model: |`).map((i) => i.label);
    assert.deepEqual(defaults, ['loss', 'accuracy']);
  });

  it('completes file paths relative to the config', () => {
    const root = complete('data:\n  train_file: |');
    assert.ok(root.some((i) => i.label === 'data/'));
    const inData = complete('data:\n  train_file: data/tr|');
    assert.deepEqual(inData.map((i) => i.label).sort(), ['iris.csv', 'train.jsonl', 'valid.jsonl']);
    const edit = inData.find((i) => i.label === 'train.jsonl')?.textEdit;
    assert.deepEqual(edit && 'range' in edit ? edit.range : undefined, { start: { line: 1, character: 19 }, end: { line: 1, character: 21 } });
    const trainer = complete('trainer: |').map((i) => i.textEdit?.newText);
    assert.ok(trainer.includes('./my_trainer.ts'));
  });

  it('completes JSON keys with quotes', () => {
    const items = complete('{"training_args": {"|"}}', '/ws/t.trainer.json');
    const seed = items.find((i) => i.label === 'seed');
    assert.equal(seed?.textEdit?.newText, '"seed": ${1:42}');
  });
});

describe('config hover', () => {
  const text = `${BASE}training_args:\n  eval_strategy: epoch\n  early_stopping_patience: 3\n  learning_rate: 0.001\n`;
  const hover = (line: number, character: number) => {
    const h = configHover(text, CONFIG, { line, character }, context);
    return h ? (h.contents as MarkupContent).value : undefined;
  };
  it('shows doc, type, default and range of a key', () => {
    const md = hover(8, 5);
    assert.ok(md);
    assert.match(md, /\*\*learning_rate\*\* · `number` · default `0.00005` · range `> 0`/);
  });
  it('shows the enum value doc and the HF difference', () => {
    assert.match(hover(6, 18) ?? '', /^`epoch`: At the end of every epoch/);
    assert.match(hover(7, 4) ?? '', /Differs from Hugging Face:\*\* In HF this is an argument of `EarlyStoppingCallback`/);
  });
  it('says nothing about unknown keys', () => {
    assert.equal(configHover('trainin_args:\n  x: 1\n', CONFIG, { line: 0, character: 3 }, context), undefined);
  });
});

describe('config diagnostics and quick fixes', () => {
  const broken = `${BASE}  text_column: text\ntraining_args:\n  # old name\n  evaluation_strategy: steps\n  eval_steps: 2\n  save_strategy: epoch\n  save_steps: 3\n  learning_rte: 0.001\n  load_best_model_at_end: true\n  logging_steps: 1\n`;

  it('reports validator problems with exact ranges and codes', () => {
    const diags = configDiagnostics(broken, CONFIG, context);
    const byCode = new Map(diags.map((d) => [d.code, d]));
    assert.deepEqual(byCode.get('FTS110')?.range, { start: { line: 8, character: 2 }, end: { line: 8, character: 21 } });
    assert.deepEqual(byCode.get('FTS100')?.range, { start: { line: 12, character: 2 }, end: { line: 12, character: 14 } });
    assert.deepEqual(byCode.get('FTS201')?.range, { start: { line: 10, character: 17 }, end: { line: 10, character: 22 } });
    assert.deepEqual(byCode.get('FTS110')?.tags, [2]);
  });

  it('fixes every fixable problem with a text edit that keeps the comments', () => {
    let text = broken;
    for (const code of ['FTS110', 'FTS100', 'FTS201', 'FTS202']) {
      const diags = configDiagnostics(text, CONFIG, context);
      const diag = diags.find((d) => d.code === code);
      assert.ok(diag, `${code} reported in:\n${text}`);
      const actions = configCodeActions(text, CONFIG, 'file:///ws/cfg.trainer.yaml', diag.range, [diag], context);
      const action = actions.find((a) => a.diagnostics?.[0] === diag);
      assert.ok(action, code);
      assert.equal(action.kind, 'quickfix');
      text = apply(text, action.edit?.changes?.['file:///ws/cfg.trainer.yaml'] ?? []);
      assert.ok(!configDiagnostics(text, CONFIG, context).some((d) => d.code === code), `${code} gone`);
    }
    assert.match(text, /# old name\n {2}eval_strategy: steps/);
    assert.match(text, /save_steps: [24]\n/);
    assert.match(text, /learning_rate: 0.001/);
  });

  it('removes an unsupported HF key with its line, keeping the comment below', () => {
    const text = `${BASE}training_args:\n  fp16: true  # half precision\n  # keep me\n  seed: 1\n`;
    const diag = configDiagnostics(text, CONFIG, context).find((d) => d.code === 'FTS120');
    assert.ok(diag);
    const [action] = configCodeActions(text, CONFIG, 'file:///ws/cfg.trainer.yaml', diag.range, [diag], context);
    assert.equal(action.title, 'Remove `fp16`');
    assert.equal(apply(text, action.edit?.changes?.['file:///ws/cfg.trainer.yaml'] ?? []), `${BASE}training_args:\n  # keep me\n  seed: 1\n`);
  });

  it('reports parse errors', () => {
    const diags = configDiagnostics('model:\n  num_labels: [1,\n', CONFIG, context);
    assert.ok(diags.some((d) => d.code === 'FTS001'));
  });
});

describe('config outline and code lenses', () => {
  it('outlines sections and keys', () => {
    const symbols = configSymbols(`${BASE}metrics: [accuracy]\n`, CONFIG, context);
    assert.deepEqual(symbols.map((s) => s.name), ['model', 'data', 'metrics']);
    assert.deepEqual(symbols[1].children?.map((c) => `${c.name}=${c.detail}`), ['train_file=data/train.jsonl', 'eval_file=data/valid.jsonl']);
    assert.equal(symbols[2].detail, '1 item');
  });

  it('offers Train, Validate and Resume from the newest complete checkpoint, as the Trainer finds it', () => {
    const uri = 'file:///ws/cfg.trainer.yaml';
    const lenses = configCodeLenses(`${BASE}training_args:\n  output_dir: runs/a\n`, CONFIG, uri, context);
    assert.deepEqual(lenses.map((l) => l.command?.title), ['▶ Train', 'Validate', 'Resume from checkpoint-8']);
    assert.deepEqual(lenses.map((l) => l.command?.command), ['finetuneStudio.startTraining', 'finetuneStudio.validateConfig', 'finetuneStudio.resumeFromCheckpoint']);
    assert.deepEqual(lenses[2].command?.arguments, [uri, '/ws/runs/a/checkpoint-8']);
    // No output_dir: the schema's default folder.
    assert.deepEqual(configCodeLenses(BASE, CONFIG, uri, context).map((l) => l.command?.title), ['▶ Train', 'Validate', 'Resume from checkpoint-3']);
    assert.equal(configCodeLenses(`${BASE}training_args:\n  output_dir: runs/none\n`, CONFIG, uri, context).length, 2);
  });
});
