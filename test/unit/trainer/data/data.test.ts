import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError, prepareData, type FeatureStats } from '../../../../src/trainer/data';
import { WordTokenizer } from '../../../../src/trainer/tokenizer';
import { makeConfig } from './config-helper';

const fixtures = resolve(import.meta.dirname, '../../../fixtures/data');

async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fts-data-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Runs prepareData and returns the DataError it must throw. */
async function dataError(files: Record<string, string>, data: Record<string, unknown>, model: Record<string, unknown> = {}): Promise<DataError> {
  const dir = await tempFiles(files);
  const config = makeConfig({ model, data: { train_file: 'train.jsonl', ...data } });
  try {
    await prepareData(config, dir);
  } catch (error) {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    return error;
  }
  assert.fail('prepareData should have thrown');
}

test.before(async () => {
  await tf.setBackend('cpu');
});

test('JSONL text data: string labels map to sorted names, batches are padded ids + mask + int labels', async () => {
  const config = makeConfig({
    model: { architecture: 'text-classifier', max_length: 6 },
    data: { train_file: 'text-train.jsonl', eval_file: 'text-valid.jsonl' },
  });
  const prepared = await prepareData(config, fixtures);
  assert.equal(prepared.task, 'classification');
  assert.deepEqual(prepared.labelNames, ['negative', 'positive']);
  assert.deepEqual([...prepared.train.labels], [1, 0, 1]);
  assert.deepEqual([...(prepared.eval?.labels ?? [])], [1, 0]);
  assert.deepEqual(prepared.train.inputNames, ['input_ids', 'attention_mask']);
  const batch = prepared.train.batch([2, 0]);
  assert.deepEqual(batch.input_ids.shape, [2, 6]);
  assert.equal(batch.input_ids.dtype, 'int32');
  assert.equal(batch.attention_mask.dtype, 'float32');
  assert.equal(batch.labels?.dtype, 'int32');
  assert.deepEqual(await batch.labels?.array(), [1, 1]);
  assert.deepEqual([...(await batch.attention_mask.data())].slice(0, 6), [1, 1, 1, 0, 0, 0]); // "great acting !"
  const tok = prepared.tokenizer as WordTokenizer;
  assert.deepEqual([...(await batch.input_ids.data())].slice(0, 6), [...tok.encode('Great acting!', 6).ids]);
  tf.dispose(batch);
  assert.equal(prepared.train.countLabelItems([0, 1]), 2);
});

test('a given tokenizer and label mapping are used as they are', async () => {
  const tokenizer = WordTokenizer.build(['film'], { vocabSize: 10, lowercase: true });
  const config = makeConfig({ model: { num_labels: 3 }, data: { train_file: 'text-train.jsonl' } });
  const prepared = await prepareData(config, fixtures, { tokenizer, labelNames: ['neutral', 'positive', 'negative'] });
  assert.equal(prepared.tokenizer, tokenizer);
  assert.deepEqual([...prepared.train.labels], [1, 2, 1]);
});

test('CSV tabular data: numeric columns by default, standardised by train statistics applied to eval', async () => {
  const config = makeConfig({ model: { architecture: 'mlp' }, data: { train_file: 'tabular-train.csv', eval_file: 'tabular-valid.csv' } });
  const prepared = await prepareData(config, fixtures);
  assert.deepEqual(prepared.featureNames, ['x1', 'x2']);
  assert.deepEqual(prepared.labelNames, undefined, 'integer labels are ids');
  const stats = prepared.featureStats as FeatureStats;
  assert.deepEqual(stats.mean, [3, 4]);
  assert.ok(Math.abs(stats.std[0] - Math.sqrt(8 / 3)) < 1e-9);
  const batch = prepared.train.batch([0, 2]);
  assert.deepEqual(batch.features.shape, [2, 2]);
  const values = (await batch.features.array()) as number[][];
  assert.ok(Math.abs(values[0][0] + Math.sqrt(3 / 2)) < 1e-5);
  const evalBatch = prepared.eval?.batch([0]) as Record<string, tf.Tensor>;
  const evalValues = (await evalBatch.features.array()) as number[][];
  assert.ok(Math.abs(evalValues[0][0] - (2 - 3) / stats.std[0]) < 1e-5, 'eval uses the train mean/std');
  tf.dispose([batch, evalBatch]);
  const chosen = await prepareData(
    makeConfig({ model: { architecture: 'mlp' }, data: { train_file: 'tabular-train.csv', feature_columns: ['x2'] } }),
    fixtures,
  );
  assert.deepEqual(chosen.featureNames, ['x2']);
});

test('regression when num_labels is 1: float targets', async () => {
  const config = makeConfig({ model: { architecture: 'mlp', num_labels: 1 }, data: { train_file: 'regression.csv', label_column: 'target' } });
  const prepared = await prepareData(config, fixtures);
  assert.equal(prepared.task, 'regression');
  assert.ok(prepared.train.labels instanceof Float32Array);
  assert.deepEqual([...prepared.train.labels], [0.5, 1.5, 2.25]);
  const batch = prepared.train.batch([1]);
  assert.equal(batch.labels?.dtype, 'float32');
  tf.dispose(batch);
});

test('an unknown class name in eval names file:line:column and the expected names', async () => {
  const error = await dataError(
    {
      'train.jsonl': '{"text": "good", "label": "positive"}\n{"text": "bad", "label": "negative"}\n',
      'valid.jsonl': '{"text": "ok", "label": "positive"}\n\n{"text": "meh",   "label": "posittive"}\n',
    },
    { eval_file: 'valid.jsonl' },
  );
  assert.match(error.file, /valid\.jsonl$/);
  assert.equal(error.line, 3);
  assert.equal(error.column, '{"text": "meh",   "label": '.length + 1);
  assert.match(error.message, /valid\.jsonl:3:28: column "label" is "posittive", expected one of negative, positive$/);
});

test('invalid JSON reports the parse position', async () => {
  const error = await dataError({ 'train.jsonl': '{"text": "a", "label": 0}\n{"text": "b" "label": 1}\n' }, {});
  assert.equal(error.line, 2);
  assert.equal(error.column, 14);
  assert.match(error.message, /invalid JSON/);
});

test('empty files, missing columns and out-of-range ids are clear errors', async () => {
  assert.match((await dataError({ 'train.jsonl': '\n\n' }, {})).message, /train\.jsonl:1:1: the file is empty/);
  assert.match((await dataError({ 'train.csv': 'a,label\n' }, { train_file: 'train.csv' }, { architecture: 'mlp' })).message, /header but no data rows/);
  const missing = await dataError({ 'train.jsonl': '{"sentence": "a", "label": 0}\n' }, {});
  assert.match(missing.message, /no column "text"; the columns are "sentence", "label". Set data.text_column/);
  const range = await dataError({ 'train.jsonl': '{"text": "a", "label": 0}\n{"text": "b", "label": 2}\n' }, {});
  assert.equal(range.line, 2);
  assert.match(range.message, /column "label" is 2, expected a class id in \[0, 2\)/);
  const tooMany = await dataError({ 'train.jsonl': ['a', 'b', 'c'].map((l) => JSON.stringify({ text: 'x', label: l })).join('\n') }, {});
  assert.match(tooMany.message, /has 3 classes \(a, b, c\) but model.num_labels is 2; set model.num_labels: 3/);
  const notText = await dataError({ 'train.jsonl': '{"text": 5, "label": 0}\n' }, {});
  assert.match(notText.message, /train\.jsonl:1:10: column "text" is 5, expected a string/);
});

test('a bad CSV cell names its line and character column', async () => {
  const error = await dataError(
    { 'train.csv': 'x1,x2,label\n1,2,0\n3,"four",1\n' },
    { train_file: 'train.csv', feature_columns: ['x1', 'x2'] },
    { architecture: 'mlp' },
  );
  assert.equal(error.line, 3);
  assert.equal(error.column, 3);
  assert.match(error.message, /column "x2" is "four", expected a number/);
  const regression = await dataError({ 'train.csv': 'x,y\n1,\n' }, { train_file: 'train.csv', label_column: 'y' }, { architecture: 'mlp', num_labels: 1 });
  assert.match(regression.message, /train\.csv:2:3: column "y" is "", expected a number \(regression/);
});

test('batch copies only the chosen rows and rejects bad indices', async () => {
  const config = makeConfig({ model: { architecture: 'mlp' }, data: { train_file: 'tabular-train.csv' } });
  const { train } = await prepareData(config, fixtures);
  const before = tf.memory().numTensors;
  const batch = train.batch(new Int32Array([1, 1, 2]));
  assert.deepEqual(await batch.labels?.array(), [1, 1, 1]);
  tf.dispose(batch);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => train.batch([3]), /outside \[0, 3\)/);
});
