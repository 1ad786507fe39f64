/**
 * A bug inside a cross-field rule or the cursor analysis must be reported, not swallowed
 * (issue 10, design flaw 7), and must not hide what the other rules find.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigHost } from '../../../src/config/host';
import { getPathAtOffset } from '../../../src/config/path-at-offset';
import { parseConfigText } from '../../../src/config/parse';
import { runCrossFieldRules, type CrossFieldRule, type RuleContext } from '../../../src/config/rules';
import type { TrainerConfig } from '../../../src/config/schema';
import { validateParsedConfig } from '../../../src/config/validate';
import { DEFAULT_FILES, memoryHost, yamlConfig } from './helpers';

function recordingHost(): { host: ConfigHost; reported: { what: string; error: unknown }[] } {
  const reported: { what: string; error: unknown }[] = [];
  return { host: { ...memoryHost(DEFAULT_FILES), reportInternalError: (what, error) => reported.push({ what, error }) }, reported };
}

test('a throwing rule is reported with its name, and the rules after it still report', () => {
  const { host, reported } = recordingHost();
  const parsed = parseConfigText(yamlConfig(), '/proj/x.trainer.yaml');
  const brokenRule: CrossFieldRule = function brokenRule() {
    throw new TypeError('boom');
  };
  const honestRule: CrossFieldRule = (_context, report) => report({ code: 'FTS205', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }, message: 'still here' });
  const context: RuleContext = { parsed, config: {} as TrainerConfig, host, usable: () => true, written: () => undefined };
  const problems = runCrossFieldRules(context, [brokenRule, honestRule]);
  assert.deepEqual(problems.map((p) => p.message), ['still here']);
  assert.equal(reported.length, 1);
  assert.equal(reported[0].what, 'cross-field rule brokenRule on /proj/x.trainer.yaml');
  assert.match(String(reported[0].error), /boom/);
});

test('a host whose file read throws: the rule reading it is reported, the other problems stay', () => {
  const { host, reported } = recordingHost();
  const throwing: ConfigHost = {
    ...host,
    readTextHead: () => {
      throw new Error('disk on fire');
    },
  };
  const parsed = parseConfigText(yamlConfig(['eval_strategy: steps', 'logging_steps: 500'], []).replace('  eval_file: data/valid.jsonl\n', ''), '/proj/x.trainer.yaml');
  const { problems } = validateParsedConfig(parsed, throwing);
  assert.deepEqual(reported.map((r) => r.what), ['cross-field rule columnsExist on /proj/x.trainer.yaml']);
  assert.ok(problems.some((p) => p.code === 'FTS204'), 'the eval-file rule still reports');
});

test('rules read a config without `data` without throwing (bugs the reporting uncovered)', () => {
  const { host, reported } = recordingHost();
  const { problems } = validateParsedConfig(parseConfigText('model:\n  num_labels: 2\ntraining_args:\n  eval_strategy: epoch\n', '/proj/x.trainer.yaml'), host);
  assert.deepEqual(reported, []);
  assert.ok(problems.some((p) => p.code === 'FTS104'));
});

test('a bug in the cursor analysis reaches onError and answers the empty path', () => {
  const parsed = parseConfigText('model:\n  num_labels: 2\n', 'x.trainer.yaml');
  const broken = { ...parsed, root: { ...(parsed.root as object), properties: null } } as unknown as typeof parsed;
  const errors: unknown[] = [];
  assert.deepEqual(getPathAtOffset(broken, 3, (error) => errors.push(error)), { path: [], inKey: false });
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TypeError);
});
