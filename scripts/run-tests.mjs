// Runs every test suite and prints one closing line summing them: "N passed, N failed, N skipped".
// Unit suites: node:test over test/unit/**/*.test.ts (TypeScript through tsx).
// Then test/browser and test/protocol (node:test), and the VS Code integration suite
// (scripts/test-integration.ts, code-server offline), whose "integration: N passed, N failed,
// N skipped" line is added to the totals. --unit-only skips all but test/unit.
// Skips are listed with their reasons. FTS_STRICT_SKIPS=1 (.ci/run) fails the run on a skip
// outside ALLOWED_SKIPS (scripts/test-summary.mjs); FTS_NO_SKIPS=1 fails it on any skip.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closingLine, readIntegrationLine, readTap, unexpectedSkips } from './test-summary.mjs';

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

/** Runs node:test over the files; returns {passed, failed, skipped, skips} read from the TAP report. */
function runNodeTests(label, files) {
  if (files.length === 0) return { passed: 0, failed: 0, skipped: 0, skips: [] };
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
    { stdio: 'inherit' },
  );
  const counts = readTap(readFileSync(tapFile, 'utf8'));
  if (result.status !== 0 && counts.failed === 0) counts.failed = 1; // a crash before any test reported
  return counts;
}

const totals = { passed: 0, failed: 0, skipped: 0, skips: [] };
const add = (r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  totals.skips.push(...r.skips);
};

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
      const counts = readIntegrationLine(tail) ?? { passed: 0, failed: 0, skipped: 0 };
      if (status !== 0 && counts.failed === 0) counts.failed = 1; // it crashed or timed out before counting
      resolve({ ...counts, skips: [] });
    });
  });
}

if (!unitOnly && filter.length === 0) add(await runIntegration());

if (totals.skips.length > 0) {
  console.log(`\nSkipped:`);
  for (const s of totals.skips) console.log(`  ${s.name} (${s.kind}${s.reason ? `: ${s.reason}` : ''})`);
}
const unexpected = unexpectedSkips(totals, { strict: process.env.FTS_STRICT_SKIPS === '1', noSkips: process.env.FTS_NO_SKIPS === '1' });
if (unexpected.length > 0) {
  const why = process.env.FTS_NO_SKIPS === '1' ? 'FTS_NO_SKIPS=1 allows no skip' : 'FTS_STRICT_SKIPS=1: these suites must run here (see ALLOWED_SKIPS in scripts/test-summary.mjs)';
  console.log(`\nUnexpected skips (${why}):`);
  for (const line of unexpected) console.log(`  ${line}`);
}
console.log(`\n${closingLine(totals)}`);
process.exit(totals.failed > 0 || unexpected.length > 0 ? 1 : 0);
