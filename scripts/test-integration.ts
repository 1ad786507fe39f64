/**
 * `npm run test:integration`: the integration suite offline, in code-server's real Node extension
 * host driven by headless Chromium (recipe: shared notes, "vscode-integration-tests").
 *
 *   1. Node 24 + code-server into .vscode-test/ (cached; reused when the pinned versions match)
 *   2. production build, the .vsix (scripts/package.ts), the suite (out/integration/suite)
 *   3. launch `dev`: the suite against the repository folder, Workspace Trust disabled
 *   4. launch `installed`: the .vsix installed into a fresh extensions folder, Workspace Trust on
 *      (the folder is untrusted): smoke test of the installed extension and the trust refusal
 *
 * Prints every test, then a line `integration: N passed, N failed, N skipped` (skipped: mocha's
 * pending) that scripts/run-tests.mjs sums.
 * Exits non-zero when a test fails, a launch crashes, or the overall timeout passes.
 *
 * Options: --keep (keep each launch's temporary state folder), --only=dev|installed,
 * --files=models[,training] (only those test files of the launched suites).
 * Environment: FTS_INTEGRATION_TIMEOUT_S (tests, default 600), FTS_INSTALL_TIMEOUT_S (default 2400).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSuite } from '../test/integration/launcher/build-suite';
import { ensureHost } from '../test/integration/launcher/install';
import { runSuiteLaunch, type LaunchReport } from '../test/integration/launcher/launch';
import { packageVsix } from './package';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = join(ROOT, '.vscode-test');
const RESULTS_DIR = join(ROOT, 'test-results');
const TEST_TIMEOUT_MS = 1000 * Number(process.env.FTS_INTEGRATION_TIMEOUT_S ?? 600);
const INSTALL_TIMEOUT_MS = 1000 * Number(process.env.FTS_INSTALL_TIMEOUT_S ?? 2400);
const LAUNCH_TIMEOUT_MS = 360_000;

const keepState = process.argv.includes('--keep');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const files = process.argv.find((a) => a.startsWith('--files='))?.slice('--files='.length);

const cleanups = new Set<() => Promise<void>>();
function onCleanup(cleanup: () => Promise<void>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

async function abort(reason: string, code: number): Promise<never> {
  console.log(`integration: ${reason}`);
  await Promise.allSettled([...cleanups].map((c) => c()));
  console.log('integration: 0 passed, 1 failed, 0 skipped');
  process.exit(code);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const installAbort = new AbortController();
  const installTimer = setTimeout(() => installAbort.abort(), INSTALL_TIMEOUT_MS);
  const host = await ensureHost(CACHE_DIR, (line) => console.log(`integration: ${line}`), installAbort.signal).finally(() => clearTimeout(installTimer));
  console.log(`integration: host ready (${seconds(started)})`);

  const testTimer = setTimeout(() => void abort(`timed out after ${TEST_TIMEOUT_MS / 1000} s`, 1), TEST_TIMEOUT_MS);
  const buildStarted = Date.now();
  // One production build serves both launches, so the development launch tests the shipped bundles.
  const vsix = await packageVsix({ build: true, log: (line) => console.log(`integration: ${line}`) });
  const suiteModule = await buildSuite(ROOT);
  console.log(`integration: built extension, .vsix (${(vsix.bytes / 1024 / 1024).toFixed(2)} MiB) and suite (${seconds(buildStarted)})`);

  const common = { root: ROOT, host, suiteModule, files, resultsDir: RESULTS_DIR, timeoutMs: LAUNCH_TIMEOUT_MS, keepState, onCleanup, print: (line: string) => console.log(line) };
  const reports: LaunchReport[] = [];
  if (!only || only === 'dev') reports.push(await runSuiteLaunch({ ...common, name: 'dev', suite: 'dev', developmentPath: ROOT, workspaceTrust: false }));
  if (!only || only === 'installed') {
    reports.push(await runSuiteLaunch({ ...common, name: 'installed', suite: 'installed', developmentPath: join(ROOT, 'test', 'integration', 'stub-extension'), vsix: vsix.path, workspaceTrust: true }));
  }
  clearTimeout(testTimer);

  for (const r of reports) {
    console.log(`integration: launch ${r.name}: ${r.passed} passing, ${r.failed} failing, ${r.pending} pending, exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}, ${r.seconds.toFixed(1)} s`);
  }
  const passed = reports.reduce((n, r) => n + r.passed, 0);
  const failed = reports.reduce((n, r) => n + r.failed, 0);
  const skipped = reports.reduce((n, r) => n + r.pending, 0);
  console.log(`integration: total ${seconds(started)}`);
  console.log(`integration: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 ? 1 : 0);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void abort(`interrupted (${signal})`, 130));
main().catch((error: unknown) => abort(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1));
