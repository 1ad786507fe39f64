/**
 * Hostile configs (issue 10, failures 1 and 5): an alias bomb, aliases that refer to
 * themselves, lists and mappings far longer than any config. Each must give located problems in
 * bounded time and never throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/parse';
import { MAX_ALIAS_NODES } from '../../../src/config/parse-yaml';
import { MAX_PROBLEMS_PER_FILE } from '../../../src/config/problems';
import { toPlainValue } from '../../../src/config/tree';
import { aliasLadder, jsonLongList, jsonManyKeys } from '../../support/hostile-configs';
import { check, only, rangeText } from './helpers';

/** Runs `run` and asserts it took less than `ms` (a generous bound: the machine is shared). */
function within<T>(ms: number, what: string, run: () => T): T {
  const start = performance.now();
  const result = run();
  const elapsed = performance.now() - start;
  assert.ok(elapsed < ms, `${what} took ${Math.round(elapsed)} ms (bound ${ms} ms)`);
  return result;
}

test('the alias ladder becomes one FTS006 at the alias that crosses the cap, in bounded time', () => {
  const text = aliasLadder();
  const { parsed, problems, config } = within(5000, 'validating the ladder', () => check(text));
  assert.equal(config, undefined);
  const bomb = only(problems, 'FTS006');
  assert.equal(bomb.severity, 'error');
  // 9*10 + 9*91 + 9*820 = 8,289 values fit; the first *a3 (7,381 more) does not.
  assert.equal(bomb.range.start.line, 4);
  assert.equal(rangeText(parsed, bomb), '*a3');
  assert.match(bomb.message, /more than 10,000 values/);
  // The levels that fit are expanded; aliases past the cap are left out.
  const plain = toPlainValue(parsed.root) as Record<string, unknown[]>;
  assert.equal(JSON.stringify(plain.l3).match(/lol/g)?.length, 9 ** 4);
  assert.deepEqual(plain.l4, []);
});

test('aliases within the cap expand as before, and an alias shares its anchor\'s problems at its own position', () => {
  const text = 'defaults: &d\n  learning_rate: 1\n  num_epochs: 2\ntraining_args: *d\n';
  const parsed = parseConfigText(text, '/proj/x.trainer.yaml');
  assert.deepEqual(toPlainValue(parsed.root), { defaults: { learning_rate: 1, num_epochs: 2 }, training_args: { learning_rate: 1, num_epochs: 2 } });
  const wide = `base: &b [${Array(MAX_ALIAS_NODES / 10 - 1).fill('1').join(', ')}]\nuses: [${Array(10).fill('*b').join(', ')}]\n`;
  const { root, problems } = parseConfigText(wide, 'w.trainer.yaml');
  assert.deepEqual(problems, [], 'exactly MAX_ALIAS_NODES aliased values are allowed');
  assert.equal((toPlainValue(root) as { uses: unknown[] }).uses.length, 10);
});

test('an alias inside its own anchor, and an alias without an anchor, are located problems', () => {
  const loop = check('data: &d\n  train_file: data/train.jsonl\n  again: *d\n');
  const cycle = only(loop.problems, 'FTS006');
  assert.equal(rangeText(loop.parsed, cycle), '*d');
  assert.match(cycle.message, /inside the value it refers to/);

  const missing = check('data:\n  train_file: *nowhere\n');
  const unknown = missing.problems.find((p) => p.code === 'FTS001');
  assert.ok(unknown);
  assert.equal(rangeText(missing.parsed, unknown), '*nowhere');
  assert.match(unknown.message, /no anchor `&nowhere`/);
});

test('a 200,000-item list gives at most MAX_PROBLEMS_PER_FILE problems and a closing FTS007, without a stack overflow', () => {
  const { parsed, problems, config } = within(20_000, '200k items', () => check(jsonLongList(200_000), '/proj/x.trainer.json'));
  assert.equal(config, undefined);
  assert.equal(problems.length, MAX_PROBLEMS_PER_FILE + 1);
  const last = problems[problems.length - 1];
  assert.equal(last.code, 'FTS007');
  assert.equal(last.severity, 'error');
  // 200,000 bad metrics and the FTS207 of the default logging_steps.
  assert.match(last.message, /^199,001 more problems are not listed/);
  const first = problems.find((p) => p.code === 'FTS103');
  assert.ok(first);
  assert.equal(rangeText(parsed, first), '"m0"');
});

test('150,000 unknown keys: the first are named with a fix, the rest counted', () => {
  const { parsed, problems } = within(20_000, '150k keys', () => check(jsonManyKeys(150_000), '/proj/x.trainer.json'));
  assert.equal(problems.length, MAX_PROBLEMS_PER_FILE + 1);
  const first = problems.find((p) => p.code === 'FTS100');
  assert.ok(first);
  assert.equal(rangeText(parsed, first), '"k0"');
  assert.ok(first.fix);
  assert.match(problems[MAX_PROBLEMS_PER_FILE].message, /^149,00[01] more problems are not listed/);
});

test('thousands of duplicate YAML keys are capped in the parser too', () => {
  const text = `data:\n  train_file: data/train.jsonl\n${Array.from({ length: 3000 }, (_, i) => `metrics: [m${i}]`).join('\n')}\n`;
  const parsed = parseConfigText(text, 'd.trainer.yaml');
  assert.equal(parsed.problems.length, MAX_PROBLEMS_PER_FILE);
  assert.equal(parsed.omittedProblems, 2999 - MAX_PROBLEMS_PER_FILE);
  const { problems } = check(text);
  assert.equal(problems.length, MAX_PROBLEMS_PER_FILE + 1);
  assert.equal(problems[MAX_PROBLEMS_PER_FILE].code, 'FTS007');
});

test('a file just under the cap lists everything and adds no summary', () => {
  const { problems } = check(jsonManyKeys(10), '/proj/x.trainer.json');
  assert.equal(problems.filter((p) => p.code === 'FTS100').length, 10);
  assert.ok(!problems.some((p) => p.code === 'FTS007'));
});
