/**
 * A Slurm run in the dashboard (headless Chromium, real CSP): the job's state from the launcher's
 * `job` events in the header while it waits, then a job that ended TIMEOUT: the failure banner
 * shows the Slurm state, exit code and the tail of the job's stderr. Saves docs/images/dashboard-slurm-failure.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { JobEvent, TrainerEvent } from '../../src/protocol/events';
import type { RunSummary } from '../../src/protocol/webview';
import { synthesizeRun } from '../fixtures/events/synthesize';
import { NO_CHROMIUM, ROOT, sendToWebview, startDashboardSession, type DashboardSession } from './harness';
import { DARK_THEME } from './themes';

const RUN = '/scratch/runs/slurm-run';
const summary: RunSummary = { id: RUN, name: 'slurm-run', outputDir: RUN, configPath: '/scratch/slurm.trainer.yaml', status: 'running', lastStep: 0, totalSteps: 120, startedAt: 1717230000000 };
const job = (fields: Partial<JobEvent>): JobEvent => ({ type: 'job', time: 1717230000000, scheduler: 'slurm', jobId: '4242', state: 'PENDING', active: true, ...fields });


describe('a Slurm job in the dashboard', { skip: NO_CHROMIUM }, () => {
  let session: DashboardSession;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    session = await startDashboardSession({ themeClass: 'vscode-dark', themeVars: DARK_THEME });
    ({ page, consoleErrors } = session);
    await sendToWebview(page, { type: 'init', runs: [summary], activeRunId: RUN });
  });

  after(async () => {
    await session?.close();
  });

  test('a queued job shows its state and pending reason before the trainer says anything', async () => {
    await sendToWebview(page, { type: 'events', runId: RUN, events: [job({ reason: 'Resources', host: 'login1' })] });
    await page.waitForSelector('#run-job');
    assert.equal(await page.locator('#run-job').textContent(), 'Slurm 4242 PENDING (Resources)');
    assert.equal(await page.locator('#run-job').getAttribute('title'), 'Slurm job 4242 on login1: squeue -j 4242');
    assert.equal(await page.locator('#run-status').textContent(), 'running');
    assert.equal(await page.locator('#failure').isHidden(), true);
  });

  test('a job that hit its time limit: state, exit code, hint and stderr tail in the failure banner', async () => {
    // The trainer logged some steps, then Slurm killed the job; the launcher's runEnd says so.
    const trained = synthesizeRun({ runId: 'r', outputDir: RUN, seed: 5 }).filter((e) => e.type !== 'runEnd' && (!('step' in e) || e.step <= 40));
    const tail = ['step 40 loss 0.52', 'slurmstepd: error: *** JOB 4242 ON node1 CANCELLED AT 2024-06-01T10:00:00 DUE TO TIME LIMIT ***'];
    const ended: TrainerEvent[] = [
      job({ state: 'RUNNING' }),
      ...trained,
      job({ state: 'TIMEOUT', active: false, reason: 'TimeLimit', exitCode: 0, signal: 15, stderrFile: `${RUN}/slurm-4242.err`, stderrTail: tail }),
      { type: 'runEnd', time: 1717230009000, status: 'failed', step: 40, epoch: 1, trainRuntime: 9, error: { message: `Slurm job 4242 ended TIMEOUT (hit the time limit: raise \`time\`, or rely on the USR1 requeue), exit code 0, signal 15. See ${RUN}/slurm-4242.err.` } },
    ];
    await sendToWebview(page, { type: 'events', runId: RUN, events: ended });
    await page.waitForSelector('#failure-job-state');
    assert.equal(await page.locator('#run-job').textContent(), 'Slurm 4242 TIMEOUT (TimeLimit)');
    assert.equal(await page.locator('#run-status').textContent(), 'failed');
    assert.equal(await page.locator('#failure-job-state').textContent(), 'Slurm job 4242 ended TIMEOUT, exit code 0, signal 15: hit its time limit: raise `time` in the cluster file');
    assert.equal(await page.locator('#failure-stderr').textContent(), tail.join('\n'));
    assert.match((await page.locator('.failure-stderr summary').textContent()) ?? '', /stderr \(slurm-4242\.err\)/);
    mkdirSync(join(ROOT, 'docs/images'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs/images/dashboard-slurm-failure.png') });
    assert.deepEqual(consoleErrors, []);
  });
});
