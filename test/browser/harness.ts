/**
 * Serves the dashboard exactly as the extension host does (renderDashboardHtml, the real CSP as
 * both header and meta), in headless Chromium, with a stand-in acquireVsCodeApi that records
 * posted messages and keeps state in memory. Shared by the browser test and the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/protocol/events';
import { parseTrainerEventLine } from '../../src/protocol/guards';
import type { HostToWebviewMessage } from '../../src/protocol/webview';
import { dashboardCsp, renderDashboardHtml } from '../../webview/html';

export const ROOT = join(import.meta.dirname, '../..');

/** Bundles webview/main.ts (or another entry) the way scripts/build.mjs does, into a fresh temp folder as main.js + main.css. */
export async function buildWebviewBundle(entry = 'webview/main.ts'): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'fts-webview-'));
  await esbuild.build({
    entryPoints: [join(ROOT, entry)],
    outfile: join(outdir, 'main.js'),
    bundle: true,
    sourcemap: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
    logLevel: 'warning',
    legalComments: 'none',
  });
  return outdir;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

export async function serveDashboard(bundleDir: string): Promise<DashboardServer> {
  const files: Record<string, string> = { '/main.js': 'text/javascript', '/main.css': 'text/css' };
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      const nonce = randomBytes(16).toString('base64');
      const html = renderDashboardHtml({ scriptUri: `${origin}/main.js`, styleUri: `${origin}/main.css`, cspSource: origin, nonce });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': dashboardCsp(origin, nonce) });
      res.end(html);
    } else if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else if (files[path] && existsSync(join(bundleDir, path.slice(1)))) {
      res.writeHead(200, { 'content-type': files[path] });
      res.end(readFileSync(join(bundleDir, path.slice(1))));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The describe option that skips a browser suite where there is no Chromium (never in CI, where a missing one fails). */
export const NO_CHROMIUM: string | false = !existsSync(CHROMIUM_PATH) && !process.env.CI && `no Chromium at ${CHROMIUM_PATH}`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
}

/** What the stand-in VS Code API and the CSP listener record in the page. */
export interface PageRecord {
  posted: unknown[];
  state: unknown;
  cspViolations: string[];
}

declare global {
  interface Window {
    __fts: PageRecord;
  }
}

export type DashboardOptions = { themeClass?: string; themeVars?: Record<string, string>; savedState?: unknown; viewport?: { width: number; height: number } };

/** One suite's dashboard: a fresh bundle, server and Chromium; `close` releases the browser and the server. */
export interface DashboardSession {
  page: Page;
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function startDashboardSession(options: DashboardOptions): Promise<DashboardSession> {
  const server = await serveDashboard(await buildWebviewBundle());
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const { page, consoleErrors } = await openDashboard(browser, server.url, options);
  return {
    page,
    consoleErrors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Opens the dashboard with a stand-in VS Code API and the given theme applied like VS Code does. */
export async function openDashboard(
  browser: Browser,
  url: string,
  options: DashboardOptions = {},
): Promise<{ page: Page; consoleErrors: string[] }> {
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // A string, not a function: tsx's transform would add helpers the page does not have.
  const params = JSON.stringify({
    themeClass: options.themeClass ?? 'vscode-dark',
    themeVars: options.themeVars ?? {},
    savedState: options.savedState,
  });
  await page.addInitScript(`(() => {
    const { themeClass, themeVars, savedState } = ${params};
    const record = { posted: [], state: savedState, cspViolations: [] };
    window.__fts = record;
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => record.posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => record.state,
        setState: (s) => { record.state = JSON.parse(JSON.stringify(s)); },
      };
    };
    document.addEventListener('securitypolicyviolation', (e) =>
      record.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));
    // VS Code puts the theme variables on <html> and the theme class on <body> before scripts run.
    new MutationObserver((_, observer) => {
      if (!document.body) return;
      observer.disconnect();
      for (const [k, v] of Object.entries(themeVars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.add(themeClass);
      document.body.dataset.vscodeThemeKind = themeClass;
    }).observe(document, { childList: true, subtree: true });
  })();`);
  await page.goto(url);
  await page.waitForFunction(() => window.__fts.posted.some((m) => (m as { type: string }).type === 'ready'));
  return { page, consoleErrors };
}

/**
 * Delivers a message the way the host's webview.postMessage does. It crosses to the page as JSON
 * text: Playwright's own argument serialisation takes seconds for 100k events.
 */
export async function sendToWebview(page: Page, message: HostToWebviewMessage): Promise<void> {
  await page.evaluate((json) => window.postMessage(JSON.parse(json), '*'), JSON.stringify(message));
}

/** Puts a message in the page without sending it, so a benchmark can time postMessage alone. */
export async function stageMessage(page: Page, message: HostToWebviewMessage): Promise<void> {
  await page.evaluate((json) => {
    (window as unknown as { __ftsStaged: unknown }).__ftsStaged = JSON.parse(json);
  }, JSON.stringify(message));
}

/** Posts the staged message. */
export async function postStaged(page: Page): Promise<void> {
  await page.evaluate(() => window.postMessage((window as unknown as { __ftsStaged: unknown }).__ftsStaged, '*'));
}

export async function posted(page: Page): Promise<{ type: string; [k: string]: unknown }[]> {
  return page.evaluate(() => window.__fts.posted as { type: string; [k: string]: unknown }[]);
}

/** Waits for a `rendered` message reporting exactly `points` train-loss points. */
export async function waitForRendered(page: Page, points: number, runId?: string): Promise<void> {
  await page.waitForFunction(
    ({ points, runId }) =>
      window.__fts.posted.some((m) => {
        const r = m as { type: string; points?: number; runId?: string };
        return r.type === 'rendered' && r.points === points && (runId === undefined || r.runId === runId);
      }),
    { points, runId },
  );
}

export function readFixtureEvents(name = 'run.jsonl'): TrainerEvent[] {
  return readFileSync(join(ROOT, 'test/fixtures/events', name), 'utf8')
    .split('\n')
    .map(parseTrainerEventLine)
    .filter((e): e is TrainerEvent => e !== undefined);
}
