import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aliasLadder, jsonLongList } from '../../support/hostile-configs';

const BROKEN = 'test/fixtures/config/broken.trainer.yaml';
const VALID = 'test/fixtures/config/valid.trainer.yaml';

/** Runs `validate`; a hung CLI is killed after `timeout` ms (status null) rather than hanging the suite. */
function cli(...args: string[]) {
  return cliWithin(120_000, ...args);
}

function cliWithin(timeout: number, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', ...args], { encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withTempConfig(name: string, text: string, run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'fts-cli-'));
  try {
    const path = join(dir, name);
    writeFileSync(path, text);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

test('validate reports the YAML alias bomb at its position and finishes (issue 10, failure 1)', () => {
  withTempConfig('bomb.trainer.yaml', aliasLadder(), (path) => {
    const { code, stdout } = cliWithin(60_000, path);
    assert.equal(code, 1, 'validate finished with errors');
    const bomb = stdout.split('\n').find((line) => line.endsWith('[FTS006]'));
    assert.ok(bomb?.startsWith(`${path}:5:10: error: aliases expand to more than 10,000 values`), stdout);
  });
});

test('validate lists at most 1,000 problems of a 200,000-item list, then says how many more (issue 10, failure 5)', () => {
  withTempConfig('long.trainer.json', jsonLongList(200_000), (path) => {
    const { code, stdout, stderr } = cliWithin(60_000, path);
    assert.equal(code, 1, stderr);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 1001);
    assert.match(lines[1000], /: error: 199,00\d more problems are not listed .*\[FTS007\]$/);
    assert.doesNotMatch(stderr, /RangeError|call stack/);
  });
});

test('validate puts FTS216 on data files that are a FIFO, /dev/stdin, /dev/zero or a folder, without reading them (issue 10, failure 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-cli-'));
  try {
    execFileSync('mkfifo', [join(dir, 'pipe.jsonl')]);
    const cases: [value: string, kind: RegExp][] = [
      ['pipe.jsonl', /not a regular file/],
      ['/dev/stdin', /not a regular file/],
      ['/dev/zero', /not a regular file/],
      ['.', /is a folder/],
    ];
    for (const [value, kind] of cases) {
      const path = join(dir, 'special.trainer.yaml');
      writeFileSync(path, `data:\n  train_file: ${value}\n  eval_file: pipe.jsonl\ntrainer: /dev/zero\n`);
      const { code, stdout } = cliWithin(30_000, path);
      assert.equal(code, 1, `validate finished for ${value}: ${stdout}`);
      const train = stdout.split('\n').find((line) => line.startsWith(`${path}:2:15: error: training data file ${value} is`));
      assert.ok(train, stdout);
      assert.match(train, kind);
      assert.match(train, /\[FTS216\]$/);
      assert.match(stdout, /:3:14: error: evaluation data file pipe\.jsonl is not a regular file/);
      assert.match(stdout, /:4:10: error: trainer module \/dev\/zero is not a regular file/);
    }
    const fifoConfig = join(dir, 'fifo.trainer.yaml');
    execFileSync('mkfifo', [fifoConfig]);
    const { code, stdout } = cliWithin(30_000, fifoConfig);
    assert.equal(code, 1);
    assert.match(stdout, /fifo\.trainer\.yaml:1:1: error: cannot read the config file: it is not a regular file.*\[FTS005\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
