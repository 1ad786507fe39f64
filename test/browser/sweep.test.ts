/**
 * A sweep in the dashboard (headless Chromium, real CSP): the trial table best-first, the
 * parallel-coordinates chart, a trial's link showing its run, and overlaying every trial's
 * curves. Saves docs/images/dashboard-sweep.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TrainerEvent } from '../../src/protocol/events';
import type { RunSummary } from '../../src/protocol/webview';
import type { SweepHeader, TrialRecord } from '../../src/sweep/results';
import { synthesizeRun } from '../fixtures/events/synthesize';
import { NO_CHROMIUM, posted, ROOT, sendToWebview, startDashboardSession, type DashboardSession } from './harness';
import { DARK_THEME } from './themes';

const SWEEP = '/workspace/runs/lr-sweep';
const dir = (i: number) => `${SWEEP}/trial-00${i}`;
const LRS = [3e-4, 2e-3, 1e-2, 5e-5];
const DROPOUT = [0.1, 0.3, 0.1, 0.3];
// Final eval_loss per trial: trial 1 best, 3 pruned early (worst).
const BEST = [0.41, 0.33, 0.47, 0.62];
const STATUS: TrialRecord['status'][] = ['completed', 'completed', 'pruned', 'pruned'];

const header: SweepHeader = {
  type: 'sweep', name: 'lr-sweep', sweepFile: '/workspace/lr.sweep.yaml', basePath: '/workspace/sentiment.trainer.yaml',
  objective: { key: 'eval_loss', greaterIsBetter: false }, parameters: ['training_args.learning_rate', 'model.dropout'], trials: 4, target: 'local', time: 1717230000000,
};
const trials: TrialRecord[] = LRS.map((lr, i) => ({
  type: 'trial', trial: i, runDir: dir(i), params: { 'training_args.learning_rate': lr, 'model.dropout': DROPOUT[i] },
  status: STATUS[i], best: BEST[i], bestStep: STATUS[i] === 'pruned' ? 40 : 120, step: STATUS[i] === 'pruned' ? 40 : 120, time: 1717230000000 + i,
}));
const summary = (i: number): RunSummary => ({
  id: dir(i), name: `trial-00${i}`, outputDir: dir(i), configPath: `${dir(i)}/trial.trainer.json`, status: STATUS[i] === 'pruned' ? 'stopped' : 'completed',
  lastStep: trials[i].step ?? 0, totalSteps: 120, startedAt: 1717230000000 + i,
});

/** A trial's curve: the synthetic run, scaled towards its final eval loss, cut where it was pruned. */
function trialEvents(i: number): TrainerEvent[] {
  const last = trials[i].step ?? 120;
  return synthesizeRun({ runId: `t${i}`, outputDir: dir(i), seed: 11 + i })
    .filter((e) => !('step' in e) || e.step <= last || e.type === 'runEnd')
    .map((e): TrainerEvent => {
      if (e.type === 'log') return { ...e, loss: e.loss * (BEST[i] / 0.45) };
      if (e.type === 'runEnd' && STATUS[i] === 'pruned') return { ...e, status: 'stopped', step: last };
      return e;
    });
}


describe('sweep in the dashboard', { skip: NO_CHROMIUM }, () => {
  let session: DashboardSession;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    session = await startDashboardSession({ themeClass: 'vscode-dark', themeVars: DARK_THEME });
    ({ page, consoleErrors } = session);
    await sendToWebview(page, { type: 'init', runs: [0, 1, 2, 3].map(summary), activeRunId: dir(0) });
    for (const i of [0, 1, 2, 3]) await sendToWebview(page, { type: 'runHistory', runId: dir(i), events: trialEvents(i) });
    await sendToWebview(page, { type: 'sweep', sweepId: SWEEP, header, trials });
  });

  after(async () => {
    await session?.close();
  });

  test('the trial table lists parameters, best metric and status, best trial first', async () => {
    await page.waitForSelector('.sweep-table tbody tr');
    const rows = await page.locator('.sweep-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows, [
      ['1', 'completed', '0.002', '0.3', '0.33', '120', 'trial-001'],
      ['0', 'completed', '0.0003', '0.1', '0.41', '120', 'trial-000'],
      ['2', 'pruned', '0.01', '0.1', '0.47', '40', 'trial-002'],
      ['3', 'pruned', '0.00005', '0.3', '0.62', '40', 'trial-003'],
    ]);
    assert.match((await page.locator('.sweep h2').textContent()) ?? '', /Sweep lr-sweep 4\/4 trials · 2 completed · 2 pruned · local/);
    assert.equal(await page.locator('.sweep-table tr.best').getAttribute('data-trial'), '1');
  });

  test('parallel coordinates: one axis per parameter plus the objective, one line per trial, log scale for the rate', async () => {
    const axes = await page.locator('.parallel-coordinates .pc-axis > text:first-of-type').allTextContents();
    assert.deepEqual(axes, ['training_args.learning_rate (log)', 'model.dropout', 'eval_loss']);
    const lines = page.locator('.parallel-coordinates polyline.pc-line');
    assert.equal(await lines.count(), 4);
    // Drawn worst first, so the best trial's line is on top and thickest.
    assert.equal(await lines.last().getAttribute('data-trial'), '1');
    assert.equal(await lines.last().getAttribute('stroke-width'), '3');
    // The best trial's objective sits at the bottom of its axis (lowest loss), the worst at the top.
    const yAtObjective = async (trial: number) => Number((((await page.locator(`polyline[data-trial="${trial}"]`).getAttribute('points')) ?? '').split(' ').pop() ?? '').split(',')[1]);
    assert.ok((await yAtObjective(1)) > (await yAtObjective(3)));
  });

  test('a trial link shows its run; "Overlay trial curves" draws every trial on the charts', async () => {
    await page.locator('.sweep-table tr[data-trial="2"] a.trial-link').click();
    await page.waitForFunction((id) => (window.__fts.state as { activeRunId?: string } | undefined)?.activeRunId === id, dir(2));
    await page.locator('button.overlay-trials').click();
    await page.waitForFunction(() => window.__fts.posted.some((m) => (m as { type: string; runIds?: string[] }).type === 'selectRuns' && (m as { runIds: string[] }).runIds.length === 4));
    const select = (await posted(page)).filter((m) => m.type === 'selectRuns').pop();
    assert.deepEqual(select, { type: 'selectRuns', runIds: [dir(2), dir(1), dir(0), dir(3)] });
    await page.waitForFunction(() => document.querySelectorAll('.chart-card[data-metric="loss"] .chart-value').length === 4);
    mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
    await page.locator('#sweeps').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ROOT, 'docs/images/dashboard-sweep.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });
});
