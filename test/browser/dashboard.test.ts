/**
 * The dashboard in headless Chromium, served with renderDashboardHtml under the real CSP, fed a
 * recorded event stream through window.postMessage like the host does. Steps share one page and
 * run in order, like one session with the panel.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { DownloadEvent, LogEvent, RunStartEvent, TrainerEvent } from '../../src/protocol/events';
import type { RunSummary } from '../../src/protocol/webview';
import { formatMetric } from '../../webview/format';
import { synthesizeRun } from '../fixtures/events/synthesize';
import {
  buildWebviewBundle,
  CHROMIUM_PATH,
  launchChromium,
  openDashboard,
  posted,
  readFixtureEvents,
  ROOT,
  sendToWebview,
  serveDashboard,
  waitForRendered,
  type DashboardServer,
} from './harness';
import { DARK_THEME, LIGHT_THEME } from './themes';

const A = '/workspace/runs/sentiment';
const B = '/workspace/runs/sentiment-lr1e-3';
const C = '/workspace/runs/custom-loss';
const summary = (id: string, name: string, over: Partial<RunSummary> = {}): RunSummary => ({
  id, name, outputDir: id, configPath: '/workspace/sentiment.trainer.yaml', status: 'completed',
  lastStep: 120, totalSteps: 120, startedAt: 1717230000000, ...over,
});

const events = readFixtureEvents();
const logs = events.filter((e): e is LogEvent => e.type === 'log');
const lastLoss = logs[logs.length - 1].loss;

async function sendInBatches(page: Page, runId: string, list: TrainerEvent[], size: number): Promise<void> {
  for (let i = 0; i < list.length; i += size) await sendToWebview(page, { type: 'events', runId, events: list.slice(i, i + size) });
}

const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

const chromiumMissing = !existsSync(CHROMIUM_PATH) && !process.env.CI;

describe('dashboard webview', { skip: chromiumMissing && `no Chromium at ${CHROMIUM_PATH}` }, () => {
  let browser: Browser;
  let server: DashboardServer;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    const bundleDir = await buildWebviewBundle();
    server = await serveDashboard(bundleDir);
    browser = await launchChromium();
    ({ page, consoleErrors } = await openDashboard(browser, server.url, { themeClass: 'vscode-dark', themeVars: DARK_THEME }));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('posts ready, then asks for the runs it shows after init', async () => {
    await sendToWebview(page, {
      type: 'init',
      runs: [summary(A, 'sentiment', { status: 'running', lastStep: 0, startedAt: 1717236000000 }), summary(B, 'sentiment-lr1e-3')],
      activeRunId: A,
    });
    await page.waitForFunction(() => window.__fts.posted.some((m) => (m as { type: string }).type === 'selectRuns'));
    const msgs = await posted(page);
    assert.deepEqual(msgs[0], { type: 'ready' });
    assert.deepEqual(msgs.find((m) => m.type === 'selectRuns'), { type: 'selectRuns', runIds: [A] });
    assert.deepEqual(await page.locator('#run-list .run-row .run-name').allInnerTexts(), ['sentiment', 'sentiment-lr1e-3']);
  });

  test('ticking a run overlays it: selectRuns, then its history is drawn', async () => {
    await page.locator(`.run-row[data-run-id="${B}"] vscode-checkbox`).click();
    await page.waitForFunction(() =>
      window.__fts.posted.some((m) => (m as { type: string; runIds?: string[] }).type === 'selectRuns' && (m as { runIds: string[] }).runIds.length === 2),
    );
    const select = (await posted(page)).filter((m) => m.type === 'selectRuns').pop();
    assert.deepEqual(select, { type: 'selectRuns', runIds: [A, B] });
    // A second run with a higher learning rate: lower loss, slightly better evals.
    const other = synthesizeRun({ runId: 'b', outputDir: B, seed: 7 }).map((e): TrainerEvent => {
      if (e.type === 'log') return { ...e, loss: e.loss * 0.85 + 0.03, learning_rate: e.learning_rate * 2 };
      if (e.type === 'eval') return { ...e, metrics: Object.fromEntries(Object.entries(e.metrics).map(([k, v]) => [k, k.endsWith('loss') ? v - 0.03 : v + 0.012])) };
      return e;
    });
    await sendToWebview(page, { type: 'runHistory', runId: B, events: other });
    await page.waitForFunction(() => document.querySelectorAll('.chart-card[data-metric="loss"] .chart-value').length === 1);
    assert.deepEqual((await page.evaluate(() => window.__fts.state)) as unknown, { selectedRunIds: [A, B], activeRunId: A, smoothing: 0.6 });
  });

  test('before runStart, the model download phase: bytes, total, rate and ETA; runStart replaces it', async () => {
    const download = (bytes: number): DownloadEvent => ({
      type: 'download', time: 1717236000000, model: 'google-bert/bert-base-uncased', file: 'model.safetensors',
      bytes, total: 40_000_000, rate: 3_100_000, eta: (40_000_000 - bytes) / 3_100_000, done: false,
    });
    await sendToWebview(page, { type: 'events', runId: A, events: [{ ...download(0), file: '', total: 0, rate: 0, eta: undefined }] });
    await page.waitForFunction(() => document.getElementById('download-phase')?.textContent?.includes('asking the Hub'));
    assert.equal(await page.locator('vscode-progress-bar').first().evaluate((b) => (b as HTMLElement & { indeterminate: boolean }).indeterminate), true);
    await sendToWebview(page, { type: 'events', runId: A, events: [download(6_000_000), download(12_300_000)] });
    await page.waitForFunction(() => document.getElementById('progress-percent')?.textContent === '30%');
    assert.equal(await text(page, '#download-phase'), 'Downloading model google-bert/bert-base-uncased — 12.3 MB of 40.0 MB, 3.10 MB/s, ETA 9s');
    assert.equal(await text(page, '#run-status'), 'downloading model');
    assert.equal(await page.locator('.progress-stats').isVisible(), false);
    await page.screenshot({ path: join(ROOT, 'test-results/dashboard-downloading.png'), fullPage: true });
    await sendToWebview(page, { type: 'events', runId: A, events: [{ ...download(40_000_000), eta: 0, done: true }] });
    await page.waitForFunction(() => document.getElementById('download-phase')?.hidden === true);
    assert.equal(await page.locator('.progress-stats').isVisible(), true);
  });

  test('live stream: progress, latest loss, Stop posts a stop command', async () => {
    const mid = events.findIndex((e) => e.type === 'progress' && e.step === 70);
    await sendInBatches(page, A, events.slice(0, mid + 1), 4);
    await waitForRendered(page, 35, A);
    assert.equal(await text(page, '#progress-step'), '70 / 120');
    assert.equal(await text(page, '#progress-epoch'), '1.75 / 3');
    assert.equal(await text(page, '#progress-eta'), '5s');
    assert.equal(await text(page, '#run-status'), 'running');
    assert.equal(await text(page, '#run-backend'), 'wasm');
    assert.equal(await text(page, '#run-device'), 'CPU (2 threads, SIMD)');
    assert.equal(await text(page, '.stat[data-metric="loss"] .stat-value'), formatMetric(logs[34].loss));
    // Both runs on the loss chart, one value each in its header.
    assert.equal(await page.locator('.chart-card[data-metric="loss"] .chart-value').count(), 2);
    assert.equal(await page.locator('.chart-card[data-metric="loss"] canvas').count(), 1);

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results/dashboard.png'), fullPage: true });

    await page.locator('#stop-button').click();
    assert.deepEqual((await posted(page)).pop(), { type: 'command', command: 'stop', runId: A });
  });

  test('run end: evals, checkpoints with best marked, Resume and Start post commands', async () => {
    const mid = events.findIndex((e) => e.type === 'progress' && e.step === 70);
    await sendInBatches(page, A, events.slice(mid + 1), 9);
    await waitForRendered(page, 60, A);
    await page.waitForFunction(() => document.getElementById('run-status')?.textContent === 'completed');
    assert.equal(await text(page, '#progress-step'), '120 / 120');
    assert.equal(await text(page, '#progress-percent'), '100%');
    assert.equal(await text(page, '.stat[data-metric="loss"] .stat-value'), formatMetric(lastLoss));
    assert.equal(await text(page, '.stat[data-metric="eval_accuracy"] .stat-value'), '0.8576');
    assert.match(await text(page, '.stat[data-metric="eval_accuracy"] .stat-sub'), /step 120 · best 0\.8662/);
    assert.equal(await text(page, '.stat[data-metric="eval_loss"] .stat-value'), '0.2724');
    assert.match(await text(page, '.stat[data-metric="eval_loss"] .stat-sub'), /best 0\.2709/);
    const charts = await page.locator('.chart-card').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.metric));
    assert.deepEqual(charts, ['loss', 'learning_rate', 'grad_norm', 'eval_accuracy', 'eval_f1', 'eval_loss']);
    const checkpoints = await page.locator('#checkpoint-list .checkpoint').evaluateAll((els) =>
      els.map((e) => [e.querySelector('.checkpoint-name')?.textContent, e.classList.contains('best'), e.querySelector('.best-badge')?.textContent ?? null]),
    );
    assert.deepEqual(checkpoints, [
      ['checkpoint-120', false, null],
      ['checkpoint-80', true, '★ best'],
    ]);
    assert.match(await text(page, `.run-row[data-run-id="${A}"]`), /completed[\s\S]*120 \/ 120[\s\S]*★ 0\.8662/);

    await page.locator('#resume-button').click();
    assert.deepEqual((await posted(page)).pop(), {
      type: 'command', command: 'resume', runId: A, configPath: '/workspace/sentiment.trainer.yaml', checkpoint: `${A}/checkpoint-80`,
    });
    await page.locator('#start-button').click();
    assert.deepEqual((await posted(page)).pop(), { type: 'command', command: 'start', configPath: '/workspace/sentiment.trainer.yaml' });
    assert.equal(await page.locator('#stop-button').evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled), true);
  });

  test('stop → resume on the page: the chart continues from the resumed step', async () => {
    const start = events[0] as RunStartEvent;
    await sendToWebview(page, {
      type: 'events', runId: A,
      events: [{ ...start, resumedFrom: `${A}/checkpoint-80`, resumedStep: 80 }, ...logs.filter((l) => l.step > 80 && l.step <= 90)],
    });
    await waitForRendered(page, 45, A);
    assert.equal(await text(page, '#run-status'), 'running');
    assert.equal(await text(page, '#progress-step'), '90 / 120');
  });

  test('compare configs: requestConfigDiff, then a table of differing keys', async () => {
    await page.locator('#compare-configs').click();
    assert.deepEqual((await posted(page)).pop(), { type: 'requestConfigDiff', runIds: [A, B] });
    const config = (events[0] as RunStartEvent).config as { training_args: Record<string, unknown> };
    await sendToWebview(page, {
      type: 'configDiff', runIds: [A, B],
      configs: [config, { ...config, training_args: { ...config.training_args, learning_rate: 1e-3, output_dir: B } }],
    });
    await page.locator('#config-diff table').waitFor();
    const rows = await page.locator('#config-diff tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.deepEqual(rows, [
      ['training_args.learning_rate', '0.0005', '0.001'],
      ['training_args.output_dir', `"${A}"`, `"${B}"`],
    ]);
    await page.locator('#config-diff .close-diff').click();
    await page.waitForFunction(() => document.getElementById('config-diff')?.hidden === true);
  });

  test('Export posts the selected runs and each chart as the PNG it drew', async () => {
    await page.locator('#export-runs').click();
    const message = (await posted(page)).pop() as { type: string; runIds: string[]; charts: { metric: string; png: string }[] };
    assert.equal(message.type, 'exportRuns');
    assert.deepEqual(message.runIds, [A, B]);
    const shown = await page.locator('.chart-card').evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.metric));
    assert.deepEqual(message.charts.map((c) => c.metric), shown, 'one image per chart, in grid order');
    assert.ok(shown.includes('loss'));
    for (const chart of message.charts) {
      const bytes = Buffer.from(chart.png.replace(/^data:image\/png;base64,/, ''), 'base64');
      assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${chart.metric} is a PNG`);
      // IHDR width and height: the canvas as laid out, not an empty image.
      assert.ok(bytes.readUInt32BE(16) > 100 && bytes.readUInt32BE(20) > 50, `${chart.metric} has the chart's size`);
    }
  });

  test('a failed run shows its reason; the location link posts openLocation', async () => {
    await sendToWebview(page, { type: 'runList', runs: [summary(A, 'sentiment'), summary(B, 'sentiment-lr1e-3'), summary(C, 'custom-loss', { status: 'failed' })] });
    await sendToWebview(page, { type: 'runHistory', runId: C, events: synthesizeRun({ runId: 'c', outputDir: C, failAt: 37 }) });
    await page.locator(`.run-row[data-run-id="${C}"] .run-name`).click();
    await page.locator('#failure-location').waitFor();
    assert.equal(await text(page, '#failure-message'), 'computeLoss returned a tensor of shape [32,2]; the loss must be a scalar');
    assert.equal(await text(page, '#failure-location'), 'my_trainer.ts:14:12');
    await page.locator('#failure-location').click();
    assert.deepEqual((await posted(page)).pop(), { type: 'openLocation', file: '/workspace/my_trainer.ts', line: 14, column: 12 });
    const selects = (await posted(page)).filter((m) => m.type === 'selectRuns');
    assert.deepEqual(selects.pop(), { type: 'selectRuns', runIds: [C, A, B] });
  });

  test('smoothing slider is persisted; charts follow a theme change', async () => {
    await page.locator('#smoothing').fill('0.9');
    await page.waitForFunction(() => (window.__fts.state as { smoothing?: number }).smoothing === 0.9);
    await page.waitForFunction(() => document.getElementById('smoothing-value')?.textContent === '0.90');
    const swatch = () => page.locator('.chart-card[data-metric="loss"] .swatch').first().evaluate((e) => getComputedStyle(e).backgroundColor);
    const before = await swatch();
    await page.evaluate((vars) => {
      // Like VS Code: the old theme's variables go, the new theme's come.
      document.documentElement.removeAttribute('style');
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      document.body.classList.replace('vscode-dark', 'vscode-light');
    }, LIGHT_THEME);
    await page.waitForFunction((b) => {
      const el = document.querySelector('.chart-card[data-metric="loss"] .swatch');
      return el !== null && getComputedStyle(el).backgroundColor !== b;
    }, before);
    await page.screenshot({ path: join(ROOT, 'test-results/dashboard-failed-light.png'), fullPage: true });
  });

  test('no CSP violations, no console errors', async () => {
    assert.deepEqual(await page.evaluate(() => window.__fts.cspViolations), []);
    assert.deepEqual(consoleErrors, []);
  });
});
