import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, insertPropertyAfterEdit, removePropertyEdits, renameKeyEdit, replaceValueEdit } from '../../../src/config/edits';
import { parseConfigText } from '../../../src/config/parse';
import { findNode } from '../../../src/config/path-at-offset';
import { toPlainValue, type ObjectNode } from '../../../src/config/tree';

function removeKey(text: string, fileName: string, path: string[], key: string): string {
  const parsed = parseConfigText(text, fileName);
  const parent = (path.length ? findNode(parsed, path) : parsed.root) as ObjectNode;
  const property = parent.properties.find((p) => p.key === key);
  assert.ok(property, key);
  const result = applyEdits(text, removePropertyEdits(parsed, parent, property), (p) => parsed.offsetAt(p));
  const reparsed = parseConfigText(result, fileName);
  assert.deepEqual(reparsed.problems, [], `removing ${key} left valid text:\n${result}`);
  return result;
}

test('YAML block: removal takes the whole line, trailing comment included', () => {
  const text = 'a:\n  x: 1\n  fp16: true  # half precision\n  y: 2\nb: 3\n';
  assert.equal(removeKey(text, 'c.yaml', ['a'], 'fp16'), 'a:\n  x: 1\n  y: 2\nb: 3\n');
  assert.equal(removeKey(text, 'c.yaml', ['a'], 'x'), 'a:\n  fp16: true  # half precision\n  y: 2\nb: 3\n');
  assert.equal(removeKey(text, 'c.yaml', ['a'], 'y'), 'a:\n  x: 1\n  fp16: true  # half precision\nb: 3\n');
  assert.equal(removeKey('a: 1\nb: 2', 'c.yaml', [], 'b'), 'a: 1\n');
});

test('YAML block: removing a nested mapping removes all its lines', () => {
  const text = 'a: 1\nfsdp_config:\n  min_params: 3\n  wrap: [x]\nb: 2\n';
  assert.equal(removeKey(text, 'c.yaml', [], 'fsdp_config'), 'a: 1\nb: 2\n');
});

test('YAML flow mapping: removal keeps commas right', () => {
  assert.equal(removeKey('a: {x: 1, y: 2, z: 3}\n', 'c.yaml', ['a'], 'y'), 'a: {x: 1, z: 3}\n');
  assert.equal(removeKey('a: {x: 1, y: 2}\n', 'c.yaml', ['a'], 'y'), 'a: {x: 1}\n');
  assert.equal(removeKey('a: {x: 1}\n', 'c.yaml', ['a'], 'x'), 'a: {}\n');
});

test('JSON: removal of first, middle, last and inline properties stays valid JSON', () => {
  const text = '{\n  "a": 1,\n  "b": 2, // note\n  "c": 3\n}\n';
  assert.equal(removeKey(text, 'c.json', [], 'a'), '{\n  "b": 2, // note\n  "c": 3\n}\n');
  assert.equal(removeKey(text, 'c.json', [], 'b'), '{\n  "a": 1,\n  "c": 3\n}\n');
  assert.equal(removeKey(text, 'c.json', [], 'c'), '{\n  "a": 1,\n  "b": 2 // note\n}\n');
  assert.equal(removeKey('{"a": 1, "b": 2}', 'c.json', [], 'a'), '{"b": 2}');
  assert.equal(removeKey('{"a": 1, "b": 2}', 'c.json', [], 'b'), '{"a": 1}');
  assert.equal(removeKey('{"a": {"x": [1, 2]}}', 'c.json', [], 'a'), '{}');
  const nested = '{\n  "t": {\n    "fp16": true,\n    "seed": 1\n  }\n}';
  assert.deepEqual(JSON.parse(removeKey(nested, 'c.json', ['t'], 'fp16')), { t: { seed: 1 } });
});

test('rename and replace keep the format: JSON keys stay quoted, YAML strings stay plain when safe', () => {
  const json = parseConfigText('{"learning_rte": "x"}', 'c.json');
  const property = (json.root as ObjectNode).properties[0];
  const renamed = applyEdits(json.text, [renameKeyEdit(json, property, 'learning_rate'), replaceValueEdit(json, property.value!, 0.1)], (p) => json.offsetAt(p));
  assert.equal(renamed, '{"learning_rate": 0.1}');
  const yaml = parseConfigText('a: x\nb: y\nc: z\n', 'c.yaml');
  const [a, b, c] = (yaml.root as ObjectNode).properties;
  const edited = applyEdits(
    yaml.text,
    [replaceValueEdit(yaml, a.value!, 'epoch'), replaceValueEdit(yaml, b.value!, 'yes'), replaceValueEdit(yaml, c.value!, 'has space')],
    (p) => yaml.offsetAt(p),
  );
  assert.equal(edited, 'a: epoch\nb: "yes"\nc: "has space"\n');
  assert.deepEqual(toPlainValue(parseConfigText(edited, 'c.yaml').root), { a: 'epoch', b: 'yes', c: 'has space' });
});

test('insert after a sibling: YAML at its indentation, JSON with a comma', () => {
  const yaml = parseConfigText('t:\n  a: 1\n  b: 2\n', 'c.yaml');
  const t = findNode(yaml, ['t']) as ObjectNode;
  const inserted = applyEdits(yaml.text, [insertPropertyAfterEdit(yaml, t, t.properties[0], 'save_strategy', 'epoch')], (p) => yaml.offsetAt(p));
  assert.equal(inserted, 't:\n  a: 1\n  save_strategy: epoch\n  b: 2\n');
  const noNewline = parseConfigText('t:\n  a: 1', 'c.yaml');
  const t2 = findNode(noNewline, ['t']) as ObjectNode;
  assert.equal(applyEdits(noNewline.text, [insertPropertyAfterEdit(noNewline, t2, t2.properties[0], 'b', true)], (p) => noNewline.offsetAt(p)), 't:\n  a: 1\n  b: true\n');
  const json = parseConfigText('{\n  "t": {\n    "a": 1,\n    "b": 2\n  }\n}', 'c.json');
  const jt = findNode(json, ['t']) as ObjectNode;
  for (const anchor of jt.properties) {
    const out = applyEdits(json.text, [insertPropertyAfterEdit(json, jt, anchor, 'c', 'x')], (p) => json.offsetAt(p));
    assert.deepEqual(Object.keys((JSON.parse(out) as { t: object }).t).sort(), ['a', 'b', 'c']);
  }
});
