/**
 * `npm run test:electron`: the same integration suite in desktop VS Code through
 * @vscode/test-electron. It downloads VS Code (update.code.visualstudio.com), so it needs the
 * internet; offline, use `npm run test:integration` (code-server) instead.
 *
 * test-electron always passes --disable-workspace-trust, so the untrusted-workspace check skips
 * here; the offline launcher runs it in a second, untrusted launch.
 *
 * Environment: FTS_VSCODE_VERSION (default "stable").
 */
import { runTests } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSuite } from '../test/integration/launcher/build-suite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const extensionTestsPath = await buildSuite(ROOT);
  // The suite edits files and trains into the workspace: it gets a fresh copy.
  const stateDir = mkdtempSync(join(tmpdir(), 'fts-electron-'));
  const workspace = join(stateDir, 'workspace');
  cpSync(join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  try {
    await runTests({
      version: process.env.FTS_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions', '--skip-welcome'],
      extensionTestsEnv: { FTS_SUITE: 'dev' },
    });
    return 0;
  } catch (error) {
    console.error(`test:electron: ${(error as Error).message}`);
    return 1;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
