import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/parse';
import { getPathAtOffset } from '../../../src/config/path-at-offset';

/** Parses `text` with a `|` marking the cursor and returns what is under it. */
function at(marked: string, fileName = 'x.trainer.yaml') {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const parsed = parseConfigText(text, fileName);
  const result = getPathAtOffset(parsed, offset);
  const word = result.wordRange ? text.slice(parsed.offsetAt(result.wordRange.start), parsed.offsetAt(result.wordRange.end)) : undefined;
  return { ...result, word };
}

test('YAML: on a key, the path ends with that key', () => {
  const r = at('training_args:\n  learning_ra|te: 0.1\n');
  assert.deepEqual(r.path, ['training_args', 'learning_rate']);
  assert.equal(r.inKey, true);
  assert.equal(r.property?.key, 'learning_rate');
  assert.equal(r.word, 'learning_rate');
});

test('YAML: on a value, the path is the value path', () => {
  const r = at('training_args:\n  eval_strategy: ep|och\n');
  assert.deepEqual(r.path, ['training_args', 'eval_strategy']);
  assert.equal(r.inKey, false);
  assert.equal(r.node?.type === 'scalar' && r.node.value, 'epoch');
  assert.equal(r.word, 'epoch');
  const list = at('metrics: [accuracy, f|1]\n');
  assert.deepEqual(list.path, ['metrics', 1]);
});

test('YAML: after `key: ` with nothing typed, the cursor is on that key\'s value', () => {
  const r = at('training_args:\n  eval_strategy: |\n  seed: 1\n');
  assert.deepEqual(r.path, ['training_args', 'eval_strategy']);
  assert.equal(r.inKey, false);
  const last = at('model:\n  architecture: |');
  assert.deepEqual(last.path, ['model', 'architecture']);
  assert.equal(last.inKey, false);
});

test('YAML: a bare word under a mapping key is a key being typed (incomplete YAML)', () => {
  const alone = at('training_args:\n  learn|');
  assert.deepEqual(alone.path, ['training_args', 'learn']);
  assert.equal(alone.inKey, true);
  assert.equal(alone.word, 'learn');
  const afterSibling = at('training_args:\n  seed: 1\n  learn|\n');
  assert.deepEqual(afterSibling.path, ['training_args', 'learn']);
  assert.equal(afterSibling.inKey, true);
  const middle = at('model:\n  num_labels: 2\ntraining_args:\n  seed: 1\n  lea|rn\n  output_dir: x\n');
  assert.deepEqual(middle.path, ['training_args', 'learn']);
  assert.equal(middle.word, 'learn');
});

test('YAML: a blank line at an indentation is a new key of the matching mapping', () => {
  assert.deepEqual(at('model:\n  num_labels: 2\n  |\ndata:\n  train_file: a\n').path, ['model', '']);
  assert.deepEqual(at('model:\n  num_labels: 2\n|\n').path, ['']);
  assert.deepEqual(at('training_args:\n  |').path, ['training_args', '']);
  assert.deepEqual(at('|').path, ['']);
  assert.equal(at('training_args:\n  |').inKey, true);
  assert.deepEqual(at('a:\n  b:\n    c: 1\n    |\n').path, ['a', 'b', '']);
  assert.deepEqual(at('a:\n  b:\n    c: 1\n  |\n').path, ['a', '']);
});

test('YAML: comments and blank lines between a key and the cursor are skipped', () => {
  assert.deepEqual(at('training_args:\n  # comment\n\n  lr|').path, ['training_args', 'lr']);
});

test('JSON: keys, values and blank spots, also in incomplete text', () => {
  const key = at('{"training_args": {"learning_ra|te": 1}}', 'x.json');
  assert.deepEqual(key.path, ['training_args', 'learning_rate']);
  assert.equal(key.inKey, true);
  const value = at('{"training_args": {"eval_strategy": "ep|"}}', 'x.json');
  assert.deepEqual(value.path, ['training_args', 'eval_strategy']);
  assert.equal(value.inKey, false);
  const blank = at('{"training_args": {\n  |\n}}', 'x.json');
  assert.deepEqual(blank.path, ['training_args', '']);
  assert.equal(blank.inKey, true);
  const incomplete = at('{"training_args": {"lea|', 'x.json');
  assert.deepEqual(incomplete.path, ['training_args', 'lea']);
  assert.equal(incomplete.inKey, true);
});

test('out-of-range offsets are clamped, not thrown', () => {
  const parsed = parseConfigText('a: 1\n', 'x.yaml');
  for (const offset of [-10, 1e9, NaN, Infinity]) assert.ok(Array.isArray(getPathAtOffset(parsed, offset).path));
});
