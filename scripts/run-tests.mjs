// Runs every test suite and prints one closing line summing them: "N passed, N failed".
// Unit suites: node:test over test/unit/**/*.test.ts (TypeScript through tsx).
// Then test/browser and test/protocol (node:test), and the VS Code integration suite
// (scripts/test-integration.ts, code-server offline), whose "integration: N passed, N failed"
// line is added to the totals. --unit-only skips all but test/unit.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const unitOnly = process.argv.includes('--unit-only');
const filter = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

/** Runs node:test over the files; returns {passed, failed} read from the TAP summary. */
function runNodeTests(label, files) {
  if (files.length === 0) return { passed: 0, failed: 0 };
  const tapFile = join(mkdtempSync(join(tmpdir(), 'fts-tap-')), 'report.tap');
  console.log(`\n=== ${label}: ${files.length} files`);
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, FTS_TEST: '1' } },
  );
  const tap = readFileSync(tapFile, 'utf8');
  const count = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, "m")) ?? [])[1] ?? 0);
  const passed = count('pass');
  let failed = count('fail') + count('cancelled');
  if (result.status !== 0 && failed === 0) failed = 1; // a crash before any test reported
  return { passed, failed };
}

const totals = { passed: 0, failed: 0 };
const add = (r) => { totals.passed += r.passed; totals.failed += r.failed; };

let unitFiles = findTests('test/unit');
if (filter.length) unitFiles = unitFiles.filter((f) => filter.some((p) => f.includes(p)));
add(runNodeTests('unit', unitFiles));

if (!unitOnly && filter.length === 0) {
  for (const suite of ['test/browser', 'test/protocol']) {
    try {
      add(runNodeTests(suite, findTests(suite)));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
}

/** The integration launcher, its output streamed through; the counts come from its closing line. */
function runIntegration() {
  console.log('\n=== integration (VS Code extension host in code-server)');
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/test-integration.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
  });
  return new Promise((resolve) => {
    child.on('close', (status) => {
      const match = /^integration: (\d+) passed, (\d+) failed$/m.exec(tail);
      const passed = match ? Number(match[1]) : 0;
      let failed = match ? Number(match[2]) : 0;
      if (status !== 0 && failed === 0) failed = 1; // it crashed or timed out before counting
      resolve({ passed, failed });
    });
  });
}

if (!unitOnly && filter.length === 0) add(await runIntegration());

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
