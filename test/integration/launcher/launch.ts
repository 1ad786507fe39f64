/**
 * One launch of the suite in code-server: a fresh state folder with a copy of the fixture
 * workspace, optionally the .vsix installed, the server started, the suite run in Chromium, the
 * server's process group killed, and the mocha counts read from the output.
 */
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_MARKER, runLaunch } from './browser';
import { runCodeServerCli, startCodeServer } from './code-server';
import type { HostInstall } from './install';
import { answerRequest } from './requests';

const TEST_TAG = '[fts:test] ';

export interface LaunchSpec {
  name: string;
  /** FTS_SUITE for the suite's index. */
  suite: string;
  /** FTS_SUITE_FILES: only these test files of the suite (comma-separated names, e.g. `models`). */
  files?: string;
  root: string;
  host: HostInstall;
  suiteModule: string;
  resultsDir: string;
  /** extensionDevelopmentPath: the repository folder, or an empty stub to test the installed .vsix. */
  developmentPath: string;
  /** Install this .vsix into the instance's extensions folder first. */
  vsix?: string;
  /** Keep Workspace Trust on: the opened folder is then untrusted. */
  workspaceTrust: boolean;
  timeoutMs: number;
  keepState: boolean;
  print(line: string): void;
  /** Registers a cleanup the caller runs if it must abort (timeout, signal). */
  onCleanup(cleanup: () => Promise<void>): () => void;
}

export interface LaunchReport {
  name: string;
  passed: number;
  failed: number;
  pending: number;
  exitCode: number;
  timedOut: boolean;
  seconds: number;
}

/** Settings that keep the workbench quiet and offline; trust prompts off so nothing modal appears. */
function userSettings(workspaceTrust: boolean): Record<string, unknown> {
  return {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'git.enabled': false,
    // No chat/AI features: they add log noise and "Fix"/"Explain" code actions of their own.
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...(workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {}),
  };
}

/** Mocha's spec summary: "N passing", "N failing", "N pending". */
export function mochaCounts(lines: readonly string[]): { passed: number; failed: number; pending: number } {
  const count = (word: string) => {
    for (const line of [...lines].reverse()) {
      const match = new RegExp(`^\\s*(\\d+) ${word}\\b`).exec(line);
      if (match) return Number(match[1]);
    }
    return 0;
  };
  return { passed: count('passing'), failed: count('failing'), pending: count('pending') };
}

export async function runSuiteLaunch(spec: LaunchSpec): Promise<LaunchReport> {
  const started = Date.now();
  const stateDir = mkdtempSync(join(tmpdir(), `fts-integration-${spec.name}-`));
  const workspace = join(stateDir, 'workspace');
  const extensionsDir = join(stateDir, 'extensions');
  const answersDir = join(stateDir, 'answers');
  const logsDir = join(spec.resultsDir, 'integration');
  mkdirSync(logsDir, { recursive: true });
  mkdirSync(answersDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  cpSync(join(spec.root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  mkdirSync(join(stateDir, 'user-data', 'User'), { recursive: true });
  writeFileSync(join(stateDir, 'user-data', 'User', 'settings.json'), JSON.stringify(userSettings(spec.workspaceTrust), null, 2));
  const logFile = join(logsDir, `${spec.name}-code-server.log`);
  rmSync(logFile, { force: true });

  if (spec.vsix) {
    spec.print(`[${spec.name}] installing ${spec.vsix}`);
    await runCodeServerCli(spec.host, stateDir, ['--extensions-dir', extensionsDir, '--install-extension', spec.vsix], logFile);
  }

  const server = await startCodeServer({ install: spec.host, stateDir, extensionsDir, disableWorkspaceTrust: !spec.workspaceTrust, logFile });
  const unregister = spec.onCleanup(() => server.stop());
  const lines: string[] = [];
  const workbenchLog = createWriteStream(join(logsDir, `${spec.name}-workbench.log`));
  let outcome: { exitCode: number; timedOut: boolean };
  try {
    spec.print(`[${spec.name}] code-server on ${server.origin} (workspace trust ${spec.workspaceTrust ? 'on: folder untrusted' : 'disabled'})`);
    outcome = await runLaunch({
      origin: server.origin,
      workspace,
      extensionDevelopmentPath: spec.developmentPath,
      extensionTestsPath: spec.suiteModule,
      environment: {
        FTS_SUITE: spec.suite,
        FTS_LAUNCHER_DIR: answersDir,
        FTS_EXTENSIONS_DIR: extensionsDir,
        ...(spec.files ? { FTS_SUITE_FILES: spec.files } : {}),
        // CI's "the Slurm cluster must be there": the suite's Slurm test then fails rather than skips.
        ...(process.env.FTS_REQUIRE_SLURM ? { FTS_REQUIRE_SLURM: process.env.FTS_REQUIRE_SLURM } : {}),
      },
      timeoutMs: spec.timeoutMs,
      executablePath: process.env.FTS_CHROMIUM_PATH,
      onLine: (line) => {
        workbenchLog.write(`${line}\n`);
        if (line.includes(REQUEST_MARKER)) spec.print(`[${spec.name}] ${line.slice(line.indexOf(REQUEST_MARKER))}`);
        // Test output is tagged by the suite; the rest is the workbench's own log (offline noise).
        if (!line.startsWith(TEST_TAG)) return;
        lines.push(line.slice(TEST_TAG.length));
        spec.print(`[${spec.name}] ${line.slice(TEST_TAG.length)}`);
      },
      onRequest: (request, page) => answerRequest(request, page, spec.resultsDir),
      answer: (id, body) => {
        // Written whole, then renamed into place: the suite never reads half an answer.
        const path = join(answersDir, `${id}.json`);
        writeFileSync(`${path}.tmp`, JSON.stringify(body));
        renameSync(`${path}.tmp`, path);
      },
    });
  } finally {
    await server.stop();
    unregister();
    workbenchLog.end();
  }
  if (outcome.timedOut) spec.print(`[${spec.name}] the suite did not finish within ${spec.timeoutMs / 1000} s`);
  const counts = mochaCounts(lines);
  // A non-zero exit without a failing test (crash, timeout, suite not loaded) still counts as one failure.
  const failed = outcome.exitCode !== 0 && counts.failed === 0 ? 1 : counts.failed;
  if (outcome.exitCode === 0 && !outcome.timedOut && !spec.keepState) rmSync(stateDir, { recursive: true, force: true });
  else spec.print(`[${spec.name}] state kept in ${stateDir}; logs in ${logsDir}`);
  return { name: spec.name, ...counts, failed, ...outcome, seconds: (Date.now() - started) / 1000 };
}
