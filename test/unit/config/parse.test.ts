import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/parse';
import { toPlainValue, type ObjectNode } from '../../../src/config/tree';
import { formatProblem } from '../../../src/config/problems';
import { findNode } from '../../../src/config/path-at-offset';

test('YAML: tree keeps exact key and value ranges', () => {
  const text = 'model:\n  num_labels: 3\ndata:\n  train_file: "a b.jsonl"\n';
  const parsed = parseConfigText(text, 'c.trainer.yaml');
  assert.equal(parsed.format, 'yaml');
  assert.deepEqual(parsed.problems, []);
  const root = parsed.root as ObjectNode;
  const model = root.properties[0];
  assert.equal(model.key, 'model');
  assert.deepEqual(model.keyRange, { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } });
  const numLabels = findNode(parsed, ['model', 'num_labels']);
  assert.deepEqual(numLabels?.range, { start: { line: 1, character: 14 }, end: { line: 1, character: 15 } });
  const file = findNode(parsed, ['data', 'train_file']);
  assert.equal(file?.type === 'scalar' && file.quoted, true);
  assert.equal(text.slice(file?.offset, (file?.offset ?? 0) + (file?.length ?? 0)), '"a b.jsonl"');
  assert.deepEqual(toPlainValue(parsed.root), { model: { num_labels: 3 }, data: { train_file: 'a b.jsonl' } });
});

test('JSON with comments and trailing commas parses into the same tree shape', () => {
  const text = '{\n  // model\n  "model": { "num_labels": 3, },\n  "data": { "train_file": "a.jsonl" }\n}\n';
  const parsed = parseConfigText(text, 'c.trainer.JSON');
  assert.equal(parsed.format, 'json');
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(toPlainValue(parsed.root), { model: { num_labels: 3 }, data: { train_file: 'a.jsonl' } });
  assert.equal(findNode(parsed, ['model', 'num_labels'])?.offset, text.indexOf('3,'));
  const key = (findNode(parsed, ['model']) && (parsed.root as ObjectNode).properties[0].keyRange) ?? undefined;
  assert.deepEqual(key, { start: { line: 2, character: 2 }, end: { line: 2, character: 9 } });
});

test('YAML syntax error carries its exact position', () => {
  const text = 'model:\n  num_labels: 2\ndata: [a, b\ntraining_args:\n  seed: 1\n';
  const parsed = parseConfigText(text, 'x.yaml');
  const errors = parsed.problems.filter((p) => p.code === 'FTS001');
  assert.ok(errors.length > 0);
  assert.equal(errors[0].severity, 'error');
  assert.ok(errors[0].range.start.line >= 2, formatProblem(errors[0]));
});

test('YAML: a key without a colon is reported on its line and column', () => {
  const text = 'training_args:\n  seed: 1\n  learn\n';
  const parsed = parseConfigText(text, 'x.yaml');
  const problem = parsed.problems[0];
  assert.equal(problem.code, 'FTS001');
  assert.deepEqual(problem.range.start, { line: 2, character: 2 });
  assert.match(problem.message, /`:`/);
  assert.equal(formatProblem(problem), `x.yaml:3:3: error: ${problem.message} [FTS001]`);
});

test('JSON syntax errors carry their exact position', () => {
  const text = '{\n  "model": {\n    "num_labels" 2\n  }\n}';
  const parsed = parseConfigText(text, 'x.json');
  const problem = parsed.problems.find((p) => p.code === 'FTS001');
  assert.ok(problem);
  assert.deepEqual(problem.range.start, { line: 2, character: 17 });
  assert.match(problem.message, /`:`/);
});

test('duplicate keys are errors on the ignored key, with a removal fix', () => {
  for (const [text, fileName] of [
    ['a: 1\nb: 2\na: 3\n', 'x.yaml'],
    ['{"a": 1, "b": 2, "a": 3}', 'x.json'],
  ] as const) {
    const parsed = parseConfigText(text, fileName);
    const problem = parsed.problems.find((p) => p.code === 'FTS002');
    assert.ok(problem, fileName);
    assert.equal(parsed.offsetAt(problem.range.start), text.search(/"?a/));
    assert.match(problem.message, /wins/);
    assert.deepEqual(toPlainValue(parsed.root), { a: 3, b: 2 });
  }
});

test('CRLF line endings give the same positions as LF', () => {
  const lf = parseConfigText('a: 1\nb: oops: x\n', 'x.yaml');
  const crlf = parseConfigText('a: 1\r\nb: oops: x\r\n', 'x.yaml');
  assert.deepEqual(
    crlf.problems.map((p) => p.range.start),
    lf.problems.map((p) => p.range.start),
  );
  assert.deepEqual(crlf.positionAt(6), { line: 1, character: 0 });
  assert.equal(crlf.offsetAt({ line: 1, character: 0 }), 6);
});

test('positionAt and offsetAt are inverse and clamp out-of-range input', () => {
  const parsed = parseConfigText('ab\ncde\n\nf', 'x.yaml');
  for (let offset = 0; offset <= parsed.text.length; offset++) assert.equal(parsed.offsetAt(parsed.positionAt(offset)), offset);
  assert.deepEqual(parsed.positionAt(-5), { line: 0, character: 0 });
  assert.equal(parsed.offsetAt({ line: 99, character: 0 }), parsed.text.length);
  assert.equal(parsed.offsetAt({ line: 0, character: 99 }), 2);
});

test('never throws: garbage, binary, huge and deeply nested input', () => {
  const inputs = [
    '',
    '\u0000\u0001\u0002\uffff\ud800',
    Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
    ': : : - - [ { ] } "',
    '['.repeat(20000),
    '{"a":'.repeat(5000),
    'a:\n' + Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n'),
    '- '.repeat(3000) + 'x',
    'x: &a [*a]',
    'a: *undefined_alias',
    `big: ${'x'.repeat(300000)}`,
    '---\na: 1\n---\nb: 2\n',
  ];
  for (const text of inputs) {
    for (const fileName of ['x.yaml', 'x.json']) {
      const parsed = parseConfigText(text, fileName);
      assert.ok(Array.isArray(parsed.problems));
      for (const problem of parsed.problems) {
        assert.ok(problem.range.start.line >= 0 && problem.range.start.character >= 0);
      }
      toPlainValue(parsed.root);
    }
  }
});

test('a multi-document YAML file is an error that points at the second document', () => {
  const parsed = parseConfigText('a: 1\n---\nb: 2\n', 'x.yaml');
  const problem = parsed.problems.find((p) => p.code === 'FTS001');
  assert.ok(problem);
  assert.equal(problem.range.start.line, 1);
});
