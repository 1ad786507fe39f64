/**
 * Start on Slurm in the dashboard (headless Chromium, the real CSP): a run that was a Slurm job
 * offers it beside Start, disabled while the job runs; a click posts `command: startSlurm` with the
 * run's config. A local run does not show it. A click on a run row is not lost to a live update.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { JobEvent } from '../../src/protocol/events';
import { isWebviewToHostMessage, type RunSummary } from '../../src/protocol/webview';
import { synthesizeRun } from '../fixtures/events/synthesize';
import { NO_CHROMIUM, posted, sendToWebview, startDashboardSession, type DashboardSession } from './harness';
import { DARK_THEME } from './themes';

const SLURM = '/scratch/runs/on-slurm';
const LOCAL = '/scratch/runs/local';
const summary = (id: string, status: RunSummary['status']): RunSummary => ({ id, name: id.split('/').pop()!, outputDir: id, configPath: `${id}.trainer.yaml`, status, lastStep: 0, totalSteps: 120, startedAt: 1717230000000 });
const job = (fields: Partial<JobEvent>): JobEvent => ({ type: 'job', time: 1717230000000, scheduler: 'slurm', jobId: '77', state: 'RUNNING', active: true, ...fields });
const run = (outputDir: string) => synthesizeRun({ runId: outputDir, outputDir, seed: 3 }).map((e) => (e.type === 'runStart' ? { ...e, configPath: `${outputDir}.trainer.yaml` } : e));


describe('Start on Slurm in the dashboard', { skip: NO_CHROMIUM }, () => {
  let session: DashboardSession;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    session = await startDashboardSession({ themeClass: 'vscode-dark', themeVars: DARK_THEME });
    ({ page, consoleErrors } = session);
  });

  after(async () => {
    await session?.close();
  });

  test('a Slurm run: disabled while its job runs, enabled once it ended; the click posts startSlurm with its config', async () => {
    await sendToWebview(page, { type: 'init', runs: [summary(SLURM, 'running')], activeRunId: SLURM });
    const events = run(SLURM);
    const end = events.filter((e) => e.type === 'runEnd');
    await sendToWebview(page, { type: 'events', runId: SLURM, events: [job({}), ...events.filter((e) => e.type !== 'runEnd')] });
    await page.locator('#start-slurm-button').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#start-slurm-button').getAttribute('disabled'), '');
    await sendToWebview(page, { type: 'events', runId: SLURM, events: [job({ state: 'COMPLETED', active: false, exitCode: 0 }), ...end] });
    await page.waitForFunction(() => !document.querySelector('#start-slurm-button')?.hasAttribute('disabled'));
    await page.locator('#start-slurm-button').click();
    await page.waitForFunction(() => window.__fts.posted.some((m) => (m as { command?: string }).command === 'startSlurm'));
    const sent = (await posted(page)).filter((m) => m.type === 'command');
    assert.deepEqual(sent, [{ type: 'command', command: 'startSlurm', configPath: `${SLURM}.trainer.yaml` }]);
    assert.equal(isWebviewToHostMessage(sent[0]), true);
  });

  test('a local run has no Start on Slurm', async () => {
    await sendToWebview(page, { type: 'runList', runs: [summary(SLURM, 'completed'), summary(LOCAL, 'completed')] });
    await sendToWebview(page, { type: 'runHistory', runId: LOCAL, events: run(LOCAL) });
    await page.locator(`.run-row[data-run-id="${LOCAL}"] .run-name`).click();
    await page.waitForFunction(() => document.querySelector('.run-title')?.textContent === 'local');
    assert.equal(await page.locator('#start-slurm-button').isHidden(), true);
    assert.equal(await page.locator('#start-button').isVisible(), true);
    assert.deepEqual(consoleErrors, []);
  });

  test('a click on a run survives a live update of the list between mouse down and up', async () => {
    const LIVE = '/scratch/runs/live';
    // A run the page has no events for: its row shows the summary the host sends with each runList.
    const live = (lastStep: number) => ({ type: 'runList' as const, runs: [summary(SLURM, 'completed'), summary(LOCAL, 'completed'), { ...summary(LIVE, 'running'), lastStep }] });
    await sendToWebview(page, live(5));
    const row = `.run-row[data-run-id="${LIVE}"]`;
    await page.waitForFunction((sel) => document.querySelector(`${sel} .run-step`)?.textContent === '5 / 120', row);
    const before = await page.locator(row).elementHandle();
    const box = (await page.locator(`${row} .run-name`).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await sendToWebview(page, live(6));
    await page.waitForFunction((sel) => document.querySelector(`${sel} .run-step`)?.textContent === '6 / 120', row);
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('.run-title')?.textContent === 'live', undefined, { timeout: 5000 });
    // The row is the same element, updated in place.
    assert.equal(await before!.evaluate((el) => el.isConnected), true);
    assert.deepEqual(consoleErrors, []);
  });
});
