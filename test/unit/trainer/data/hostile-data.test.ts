/** Data files a careless or hostile user gives the trainer: each fails at its file and position, never silently or with a raw system error. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError, prepareData, readTable } from '../../../../src/trainer/data';
import { makeConfig } from './config-helper';

async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fts-hostile-data-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<DataError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a DataError');
}

const mlp = (data: Record<string, unknown>) => makeConfig({ model: { architecture: 'mlp' }, data: { train_file: 'train.csv', ...data } });

test.before(async () => {
  await tf.setBackend('cpu');
});

// Failure 4: one bad cell used to drop the whole column from the detected features.
for (const [what, cell] of [
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['an empty cell', ''],
] as const) {
  test(`feature detection: ${what} in a numeric column fails at its file:line:col instead of dropping the column`, async () => {
    const dir = await tempFiles({ 'train.csv': `x1,x2,label\n1,2,0\n3,4,1\n5,${cell},0\n7,8,1\n` });
    const error = await rejection(prepareData(mlp({}), dir));
    assert.match(error.file, /train\.csv$/);
    assert.equal(error.line, 4);
    assert.equal(error.column, '5,'.length + 1);
    assert.match(error.detail, /column "x2" is .*expected a finite number/);
    assert.match(error.detail, /data\.feature_columns/, 'says how to leave the column out');
  });
}

test('feature detection: a JSONL null among numbers fails at its position', async () => {
  const dir = await tempFiles({ 'train.jsonl': '{"x": 1, "y": 2, "label": 0}\n{"x": 3, "y": null, "label": 1}\n{"x": 5, "y": 6, "label": 0}\n' });
  const error = await rejection(prepareData(mlp({ train_file: 'train.jsonl' }), dir));
  assert.equal(error.line, 2);
  assert.equal(error.column, '{"x": 3, "y": '.length + 1);
});

test('feature detection: a text column is still not a feature, and a clean numeric column still is', async () => {
  const dir = await tempFiles({ 'train.csv': 'name,x,label\nann,1,0\nbob,2,1\ncid,3,0\n' });
  const prepared = await prepareData(mlp({}), dir);
  assert.deepEqual(prepared.featureNames, ['x']);
});

// Failure 11: the CSV reader strips a UTF-8 byte-order mark; the JSONL reader refused the first line.
test('a JSONL file starting with a UTF-8 BOM is read like one without', async () => {
  const dir = await tempFiles({ 'train.jsonl': '\uFEFF{"text": "good", "label": 1}\n{"text": "bad", "label": 0}\n' });
  const table = await readTable(join(dir, 'train.jsonl'));
  assert.deepEqual(table.columns, ['text', 'label']);
  assert.equal(table.rows.length, 2);
  assert.equal(table.rows[0].columnOf('label'), '{"text": "good", "label": '.length + 1);
  const prepared = await prepareData(makeConfig({ data: { train_file: 'train.jsonl' } }), dir);
  assert.equal(prepared.train.size, 2);
});

// Failure 15: readers stat first and refuse what is not a regular file of a known format and bounded size.
test('a folder as data file is a DataError naming the config key, not EISDIR', async () => {
  const dir = await tempFiles({});
  const error = await rejection(readTable(dir, { key: 'data.train_file' }));
  assert.match(error.detail, /is a folder, not a data file; set data\.train_file to a \.jsonl or \.csv file/);
});

test('a device such as /dev/zero is refused before it is read', async () => {
  const error = await rejection(readTable('/dev/zero', { key: 'data.train_file' }));
  assert.match(error.detail, /not a regular file/);
});

test('a file larger than the read limit is refused with its size and the limit', async () => {
  const dir = await tempFiles({ 'big.jsonl': `${'{"text": "x", "label": 0}\n'.repeat(100)}` });
  const error = await rejection(readTable(join(dir, 'big.jsonl'), { key: 'data.eval_file', maxBytes: 1024 }));
  assert.match(error.detail, /2\.5 KiB, over the limit of 1 KiB/);
  assert.match(error.detail, /data\.eval_file/);
});

test('an unknown extension says which formats are supported and at which key', async () => {
  const dir = await tempFiles({ 'train.txt': 'good 1\n' });
  const error = await rejection(readTable(join(dir, 'train.txt'), { key: 'data.train_file' }));
  assert.match(error.detail, /"\.txt" is not a data format; data\.train_file must name a \.jsonl, \.json, \.ndjson file .* or a \.csv file/);
});

test('a DataError keeps its location out of its detail, so a reporter printing both shows it once', async () => {
  const error = await rejection(readTable('/no/such/file.csv'));
  assert.equal(error.message, `/no/such/file.csv:1:1: ${error.detail}`);
  assert.doesNotMatch(error.detail, /file\.csv:1:1/);
});
