import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNullConfigHost, validateConfigText } from '../../../src/config/index';
import { suppressedCodes } from '../../../src/config/suppressions';

const BASE = [
  'model:',
  '  architecture: text-classifier',
  '  num_labels: 2',
  'data:',
  '  train_file: data/train.jsonl',
  'training_args:',
  '  output_dir: runs/x',
  '  evaluation_strategy: "no"',
].join('\n');

const codesOf = (text: string, fileName = 'x.trainer.yaml') => validateConfigText(text, fileName, createNullConfigHost()).problems.map((p) => p.code);

test('a finetune-studio-disable comment silences the warnings it names, for the whole file', () => {
  assert.ok(codesOf(BASE).includes('FTS110'), 'the renamed key is a warning without the directive');
  assert.ok(!codesOf(`# finetune-studio-disable FTS110\n${BASE}`).includes('FTS110'));
  assert.ok(!codesOf(`${BASE}\n  # finetune-studio-disable FTS999, FTS110`).includes('FTS110'), 'anywhere in the file, in a list');
  assert.ok(codesOf(`# finetune-studio-disable FTS111\n${BASE}`).includes('FTS110'), 'another code leaves it');
  assert.ok(codesOf(`# finetune-studio-disable\n${BASE}`).includes('FTS110'), 'no blanket switch');
  assert.ok(codesOf(`model: {} # finetune-studio-disable FTS110\n${BASE.split('\n').slice(3).join('\n')}`).includes('FTS110'), 'a trailing comment is not a directive');
});

test('errors cannot be silenced: the run would fail or do something else than written', () => {
  const broken = `# finetune-studio-disable FTS100\n${BASE}\n  learning_rte: 1e-4`;
  const result = validateConfigText(broken, 'x.trainer.yaml', createNullConfigHost());
  assert.ok(result.problems.some((p) => p.code === 'FTS100' && p.severity === 'error'));
  assert.equal(result.config, undefined);
});

test('JSON with comments takes the // form', () => {
  const json = '// finetune-studio-disable FTS110\n{"model": {"architecture": "text-classifier", "num_labels": 2}, "data": {"train_file": "t.jsonl"}, "training_args": {"output_dir": "r", "evaluation_strategy": "no"}}';
  assert.ok(!codesOf(json, 'x.trainer.json').includes('FTS110'));
  assert.ok(codesOf(json.replace('// finetune-studio-disable FTS110\n', ''), 'x.trainer.json').includes('FTS110'));
  assert.deepEqual([...suppressedCodes('  //finetune-studio-disable FTS001 FTS002')], ['FTS001', 'FTS002']);
});
