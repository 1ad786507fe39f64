/**
 * The dashboard's Merge Adapter action (headless Chromium, the real CSP): hidden while a LoRA run
 * trains and for a completed full fine-tune; shown once a LoRA run completes, and a click posts
 * `mergeAdapter` with the run's id, a message the host's guard accepts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RunStartEvent, TrainerEvent } from '../../src/protocol/events';
import { isWebviewToHostMessage, type RunSummary } from '../../src/protocol/webview';
import { synthesizeRun } from '../fixtures/events/synthesize';
import { NO_CHROMIUM, posted, sendToWebview, startDashboardSession, type DashboardSession } from './harness';
import { DARK_THEME } from './themes';

const LORA = '/scratch/runs/bert-lora';
const FULL = '/scratch/runs/bert-full';
const summary = (id: string, status: RunSummary['status']): RunSummary => ({ id, name: id.split('/').pop()!, outputDir: id, configPath: `${id}.trainer.yaml`, status, lastStep: 0, totalSteps: 120, startedAt: 1717230000000 });
const ADAPTER = { peftType: 'LORA' as const, r: 8, loraAlpha: 16, targets: ['query', 'value'] };

/** A synthetic run of a BERT checkpoint, with or without a LoRA adapter, cut before its end or not. */
function bertRun(outputDir: string, lora: boolean, ended: boolean): TrainerEvent[] {
  return synthesizeRun({ runId: outputDir, outputDir, seed: 7 })
    .filter((e) => ended || e.type !== 'runEnd')
    .map((e) => (e.type === 'runStart' ? ({ ...e, model: { name: '/scratch/model', parameters: 91_843, trainableParameters: lora ? 4_611 : 91_843, ...(lora ? { adapter: ADAPTER } : {}) } } satisfies RunStartEvent) : e));
}


describe('Merge Adapter in the dashboard', { skip: NO_CHROMIUM }, () => {
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

  test('hidden while the LoRA run trains, shown when it completes; the click posts mergeAdapter for that run', async () => {
    await sendToWebview(page, { type: 'init', runs: [summary(LORA, 'running')], activeRunId: LORA });
    await sendToWebview(page, { type: 'runHistory', runId: LORA, events: bertRun(LORA, true, false) });
    await page.waitForSelector('#run-parameters');
    assert.match((await page.locator('#run-model').textContent()) ?? '', /\+ LoRA r=8/);
    assert.equal(await page.locator('#merge-button').isHidden(), true, 'no merge while training');

    const [end] = bertRun(LORA, true, true).filter((e) => e.type === 'runEnd');
    await sendToWebview(page, { type: 'events', runId: LORA, events: [end] });
    await sendToWebview(page, { type: 'runList', runs: [summary(LORA, 'completed')] });
    await page.locator('#merge-button').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#run-status').textContent(), 'completed');
    await page.locator('#merge-button').click();
    await page.waitForFunction(() => window.__fts.posted.some((m) => (m as { type: string }).type === 'mergeAdapter'));
    const merges = (await posted(page)).filter((m) => m.type === 'mergeAdapter');
    assert.deepEqual(merges, [{ type: 'mergeAdapter', runId: LORA }]);
    assert.equal(isWebviewToHostMessage(merges[0]), true);
  });

  test('a completed full fine-tune has no Merge Adapter', async () => {
    await sendToWebview(page, { type: 'runList', runs: [summary(LORA, 'completed'), summary(FULL, 'completed')] });
    await sendToWebview(page, { type: 'runHistory', runId: FULL, events: bertRun(FULL, false, true) });
    await page.locator(`.run-row[data-run-id="${FULL}"] .run-name`).click();
    await page.waitForFunction(() => document.querySelector('.run-title')?.textContent === 'bert-full');
    await page.waitForFunction(() => document.querySelector('#run-status')?.textContent === 'completed');
    assert.equal(await page.locator('#merge-button').isHidden(), true);
    assert.deepEqual(consoleErrors, []);
  });
});
