/**
 * Drives one test launch in headless Chromium: opens the workbench with the test payload, streams
 * the test output (codeAutomationLog), answers the suite's launcher requests, and resolves with the
 * exit code VS Code reports when the suite's run() settles (codeAutomationExit).
 */
import { format } from 'node:util';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface LaunchOptions {
  origin: string;
  workspace: string;
  /** Absolute path of the development extension's folder. */
  extensionDevelopmentPath: string;
  /** Absolute path of the compiled suite's run() module. */
  extensionTestsPath: string;
  environment: Record<string, string>;
  timeoutMs: number;
  onLine(line: string): void;
  /** Answers a `[fts:launcher] {...}` request from the suite; returns the answer object. */
  onRequest(request: LauncherRequest, page: Page): Promise<Record<string, unknown>>;
  /** Where to write request answers (the suite watches this folder). */
  answer(id: string, body: Record<string, unknown>): void;
  executablePath?: string;
}

export interface LauncherRequest {
  id: string;
  kind: string;
  [key: string]: unknown;
}

export interface LaunchResult {
  exitCode: number;
  timedOut: boolean;
}

export const REQUEST_MARKER = '[fts:launcher] ';

export function payloadUrl(options: Pick<LaunchOptions, 'origin' | 'workspace' | 'extensionDevelopmentPath' | 'extensionTestsPath' | 'environment'>): string {
  const remote = (path: string) => `vscode-remote://${new URL(options.origin).host}${path}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(options.extensionTestsPath)],
    ['skipWelcome', 'true'],
    ['extensionEnvironment', JSON.stringify(options.environment)],
  ];
  return `${options.origin}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function runLaunch(options: LaunchOptions): Promise<LaunchResult> {
  const browser = await chromium.launch({ executablePath: options.executablePath ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(code));
    page.on('crash', () => {
      options.onLine('launcher: the workbench page crashed');
      exit(1);
    });
    const pending: Promise<void>[] = [];
    await page.exposeFunction('codeAutomationLog', (_level: string, message: unknown) => {
      for (const line of (Array.isArray(message) ? format(...(message as unknown[])) : String(message)).split('\n')) {
        const at = line.indexOf(REQUEST_MARKER);
        if (at >= 0) pending.push(handleRequest(line.slice(at + REQUEST_MARKER.length), page, options));
        options.onLine(line);
      }
    });
    // Frame loads (webviews among them) with their time, for the workbench log.
    const loaded = Date.now();
    page.on('framenavigated', (frame) => options.onLine(`[launcher] frame +${Date.now() - loaded} ms: ${frame.url().slice(0, 160)}`));
    await page.goto(payloadUrl(options), { waitUntil: 'domcontentloaded', timeout: options.timeoutMs });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    await Promise.allSettled(pending);
    if (outcome === 'timeout') {
      options.onLine(`launcher: the suite did not finish within ${options.timeoutMs / 1000} s`);
      return { exitCode: 1, timedOut: true };
    }
    return { exitCode: outcome, timedOut: false };
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

async function handleRequest(json: string, page: Page, options: LaunchOptions): Promise<void> {
  let request: LauncherRequest;
  try {
    request = JSON.parse(json) as LauncherRequest;
  } catch {
    options.onLine(`launcher: unreadable request ${json}`);
    return;
  }
  const started = Date.now();
  try {
    options.answer(request.id, await options.onRequest(request, page));
  } catch (error) {
    options.answer(request.id, { error: (error as Error).message });
  }
  options.onLine(`${REQUEST_MARKER}answered ${request.id} (${request.kind}) in ${Date.now() - started} ms`);
}
