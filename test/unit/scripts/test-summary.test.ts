import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closingLine, readIntegrationLine, readTap, unexpectedSkips } from '../../../scripts/test-summary.mjs';

/** The environment for a nested test run: without NODE_TEST_CONTEXT, which makes node:test report to its parent instead. */
function nestedEnv(extra: Record<string, string> = {}, remove: readonly string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['NODE_TEST_CONTEXT', ...remove]) delete env[key];
  return { ...env, ...extra };
}

/** A real node:test TAP report: a pass, a skip, a todo, a skipped suite, and a nested skip. */
function realTap(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fts-tap-'));
  const file = join(dir, 'sample.test.mjs');
  writeFileSync(
    file,
    [
      "import { test, describe, it } from 'node:test';",
      "test('passes', () => {});",
      "test('needs webgpu', (t) => t.skip('backend: webgpu is not available: no adapter'));",
      "test('later', { todo: 'not written yet' }, () => {});",
      "describe('dashboard webview', { skip: 'no Chromium at /usr/bin/chromium' }, () => { it('draws', () => {}); });",
      "describe('threads', () => { it('two threads', (t) => t.skip('one logical core: threads are capped at 1')); it('one', () => {}); });",
    ].join('\n'),
  );
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', env: nestedEnv() });
  return result.stdout;
}

test('readTap counts passes, failures and every skip and todo with its reason, skipped suites included', () => {
  const counts = readTap(realTap());
  assert.equal(counts.passed, 2);
  assert.equal(counts.failed, 0);
  // node:test's own summary says 2 skipped + 1 todo; the skipped suite is only in its line.
  assert.equal(counts.skipped, 4);
  assert.deepEqual(
    counts.skips.map((s) => [s.name, s.kind, s.reason]),
    [
      ['needs webgpu', 'skip', 'backend: webgpu is not available: no adapter'],
      ['later', 'todo', 'not written yet'],
      ['dashboard webview', 'skip', 'no Chromium at /usr/bin/chromium'],
      ['two threads', 'skip', 'one logical core: threads are capped at 1'],
    ],
  );
});

test('a developer run allows skips; strict (CI) fails on a suite that must run; FTS_NO_SKIPS fails on any', () => {
  const counts = readTap(realTap());
  assert.deepEqual(unexpectedSkips(counts), []);
  const strict = unexpectedSkips(counts, { strict: true });
  // The one-core skip is about the machine; WebGPU, Chromium and a todo are not.
  assert.equal(strict.length, 3);
  assert.match(strict[0], /needs webgpu .*webgpu is not available/);
  assert.match(strict[1], /later \(todo/);
  assert.match(strict[2], /dashboard webview .*Chromium/);
  assert.equal(unexpectedSkips(counts, { noSkips: true }).length, 4);
  // Integration pending tests have no names here: strict counts them as unexpected too.
  assert.deepEqual(unexpectedSkips({ skipped: 1, skips: [] }, { strict: true }), ['1 skipped test(s) without a name (integration pending tests)']);
  assert.deepEqual(unexpectedSkips({ skipped: 0, skips: [] }, { strict: true, noSkips: true }), []);
});

test('the integration line is read with or without its skip count; the closing line has all three', () => {
  assert.deepEqual(readIntegrationLine('x\nintegration: 12 passed, 1 failed, 2 skipped\n'), { passed: 12, failed: 1, skipped: 2 });
  assert.deepEqual(readIntegrationLine('integration: 3 passed, 0 failed\n'), { passed: 3, failed: 0, skipped: 0 });
  assert.equal(readIntegrationLine('integration: launch dev: 3 passing, 0 failing, 1 pending'), undefined);
  const line = closingLine({ passed: 10, failed: 0, skipped: 3 });
  assert.equal(line, '10 passed, 0 failed, 3 skipped');
  // The harness reads `N passed, N failed` optionally followed by `, N skipped`.
  assert.match(line, /^(\d+) passed, (\d+) failed(, (\d+) skipped)?$/);
});

test('run-tests.mjs prints the skip count and fails a strict run on an unexpected skip', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['scripts/run-tests.mjs', '--unit-only', 'test/unit/backends/webgpu.test.ts'], {
      encoding: 'utf8',
      env: nestedEnv({ VK_ICD_FILENAMES: '/nonexistent.json', ...env }, ['FTS_LAVAPIPE_DIR', 'FTS_REQUIRE_WEBGPU', 'FTS_STRICT_SKIPS', 'FTS_NO_SKIPS']),
    });
  const lenient = run({});
  const closing = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(lenient.stdout);
  assert.ok(closing, lenient.stdout.slice(-2000));
  assert.equal(closing[2], '0', lenient.stdout.slice(-2000));
  assert.equal(lenient.status, 0, lenient.stdout.slice(-2000));
  if (Number(closing[3]) === 0) return; // this machine has a WebGPU adapter: nothing skips
  assert.match(lenient.stdout, /Skipped:\n.*webgpu is not available/);
  const strict = run({ FTS_STRICT_SKIPS: '1' });
  assert.equal(strict.status, 1);
  assert.match(strict.stdout, /Unexpected skips \(FTS_STRICT_SKIPS=1/);
  // CI with lavapipe set up: a WebGPU backend that does not start is a failure, not a skip.
  const required = run({ FTS_REQUIRE_WEBGPU: '1' });
  assert.equal(required.status, 1);
  assert.match(required.stdout, /FTS_REQUIRE_WEBGPU=1 but webgpu did not start/);
});
