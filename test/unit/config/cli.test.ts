import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BROKEN = 'test/fixtures/config/broken.trainer.yaml';
const VALID = 'test/fixtures/config/valid.trainer.yaml';

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('validate prints each problem at its file:line:col and exits 1 on errors', () => {
  const { code, stdout } = cli(BROKEN);
  assert.equal(code, 1);
  const lines = readFileSync(BROKEN, 'utf8').split('\n');
  const printed = stdout.trim().split('\n');
  // What each code must point at in the fixture.
  const expected: Record<string, string> = { FTS110: 'evaluation_strategy', FTS100: 'learning_rte', FTS101: '"three"', FTS201: 'epoch' };
  const seen = new Set<string>();
  for (const line of printed) {
    const match = /^(.+):(\d+):(\d+): (error|warning|information): (.+) \[(FTS\d{3})\]$/.exec(line);
    assert.ok(match, `unexpected output line: ${line}`);
    const [, file, row, col, , , problemCode] = match;
    assert.equal(file, BROKEN);
    const token = expected[problemCode];
    assert.ok(token, `unexpected problem: ${line}`);
    assert.ok(lines[Number(row) - 1].slice(Number(col) - 1).startsWith(token), `${problemCode} at ${row}:${col} does not point at ${token}: ${lines[Number(row) - 1]}`);
    seen.add(problemCode);
  }
  assert.deepEqual([...seen].sort(), Object.keys(expected).sort());
});

test('validate --json prints a JSON array of problems', () => {
  const { code, stdout } = cli(BROKEN, '--json');
  assert.equal(code, 1);
  const problems = JSON.parse(stdout) as { code: string; range: { start: { line: number } }; fix?: unknown }[];
  assert.ok(problems.some((p) => p.code === 'FTS100' && p.fix));
});

test('a valid config exits 0 with nothing on stdout and OK on stderr', () => {
  const { code, stdout, stderr } = cli(VALID);
  assert.equal(code, 0, stdout);
  assert.equal(stdout, '');
  assert.match(stderr, /valid\.trainer\.yaml: OK/);
});

test('a missing config file is a problem, not a crash', () => {
  const { code, stdout } = cli('test/fixtures/config/does-not-exist.trainer.yaml');
  assert.equal(code, 1);
  assert.match(stdout, /does-not-exist\.trainer\.yaml:1:1: error: config file not found \[FTS005\]/);
});
