/**
 * A causal LM run in the dashboard (headless Chromium, real CSP): the generations table, one column
 * per evaluation step and one row per prompt, cells that changed since the previous step marked,
 * the first-and-latest collapse, and a resume replacing the steps after its checkpoint.
 * Saves docs/images/dashboard-generations.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { GenerationsEvent, RunStartEvent, TrainerEvent } from '../../src/protocol/events';
import type { RunSummary } from '../../src/protocol/webview';
import { NO_CHROMIUM, ROOT, sendToWebview, startDashboardSession, type DashboardSession } from './harness';
import { DARK_THEME } from './themes';

const RUN = '/workspace/examples/tiny-chat/runs/tiny-chat';
const PROMPTS = ['What color is the sky?', 'How many legs does a spider have?', 'Say hello in French.'];
/** What each prompt's completion reads at each evaluation: noise first, then the training answers. */
const ANSWERS: Record<number, string[]> = {
  0: ['sky sky the the of', 'legs a a a a a', 'hello hello in in'],
  20: ['The sky is is blue.', 'A spider has has legs.', 'Bonjour is French.'],
  40: ['The sky is blue.', 'A spider has eight legs.', 'Bonjour!'],
  60: ['The sky is blue.', 'A spider has eight legs.', 'Bonjour!'],
  80: ['The sky is blue.', 'A spider has eight legs.', 'Bonjour!'],
  100: ['The sky is blue.', 'A spider has eight legs.', 'Bonjour!'],
};
const STEPS = Object.keys(ANSWERS).map(Number);

function generations(step: number, answers = ANSWERS[step]): GenerationsEvent {
  return {
    type: 'generations', time: 1717236000000 + step * 100, step, epoch: step / 20, decoding: 'greedy',
    samples: PROMPTS.map((prompt, i) => ({
      prompt, completion: answers[i], tokens: Array.from({ length: answers[i].length }, (_, t) => 3 + t),
      finish: step === 0 ? 'length' : 'eos',
    })),
  };
}

function lmRun(): TrainerEvent[] {
  const start: RunStartEvent = {
    type: 'runStart', protocol: 1, runId: 'tiny-chat', time: 1717236000000, configPath: '/workspace/examples/tiny-chat/tiny-chat.trainer.yaml',
    outputDir: RUN, config: { training_args: { output_dir: RUN } }, totalSteps: 100, numEpochs: 5, stepsPerEpoch: 20,
    trainExamples: 80, evalExamples: 16, backend: { name: 'wasm', device: 'CPU (2 threads, SIMD)', simd: true, threads: 2 },
  };
  const events: TrainerEvent[] = [start];
  for (const step of STEPS) {
    if (step > 0) {
      events.push({ type: 'log', time: start.time + step * 100, step, epoch: step / 20, loss: 3 * Math.exp(-step / 30) + 0.2, learning_rate: 1e-3, samples_per_second: 90, steps_per_second: 11 });
    }
    events.push({ type: 'eval', time: start.time + step * 100, step, epoch: step / 20, metrics: { eval_loss: 3 * Math.exp(-step / 35) + 0.3 } });
    events.push(generations(step));
    if (step > 0 && step % 40 === 0) events.push({ type: 'checkpoint', time: start.time + step * 100, step, path: `${RUN}/checkpoint-${step}`, isBest: true, deleted: [] });
  }
  events.push({ type: 'runEnd', time: start.time + 10_100, status: 'completed', step: 100, epoch: 5, trainRuntime: 10.1 });
  return events;
}

const summary: RunSummary = {
  id: RUN, name: 'tiny-chat', outputDir: RUN, configPath: '/workspace/examples/tiny-chat/tiny-chat.trainer.yaml',
  status: 'completed', lastStep: 100, totalSteps: 100, startedAt: 1717236000000,
};


describe('generations in the dashboard', { skip: NO_CHROMIUM }, () => {
  let session: DashboardSession;
  let page: Page;
  let consoleErrors: string[];

  before(async () => {
    session = await startDashboardSession({ themeClass: 'vscode-dark', themeVars: DARK_THEME, viewport: { width: 1280, height: 1000 } });
    ({ page, consoleErrors } = session);
    await sendToWebview(page, { type: 'init', runs: [summary], activeRunId: RUN });
  });

  after(async () => {
    await session?.close();
  });

  const headers = (p: Page) => p.locator('#generations thead th[data-step]').evaluateAll((ths) => ths.map((t) => Number((t as HTMLElement).dataset.step)));
  const column = (p: Page, step: number) => p.locator(`#generations td[data-step="${step}"] .completion`).allInnerTexts();

  test('no generations, no panel', async () => {
    await sendToWebview(page, { type: 'runHistory', runId: RUN, events: lmRun().filter((e) => e.type !== 'generations') });
    await page.locator('.chart-card[data-metric="eval_loss"]').waitFor();
    assert.equal(await page.locator('#generations').isHidden(), true);
  });

  test('one column per evaluation, first and latest when there are many; rows are the prompts', async () => {
    await sendToWebview(page, { type: 'runHistory', runId: RUN, events: lmRun() });
    await page.locator('#generations table').waitFor();
    assert.deepEqual(await headers(page), [0, 40, 60, 80, 100], 'the baseline, then the latest four');
    assert.deepEqual(await page.locator('#generations tbody .generation-prompt').allInnerTexts(), PROMPTS);
    assert.deepEqual(await column(page, 0), ANSWERS[0]);
    assert.deepEqual(await column(page, 100), ANSWERS[100]);
    assert.match(await page.locator('#generations h2').innerText(), /6 evaluations · greedy/i);
    assert.match(await page.locator('#generations thead th[data-step="40"]').innerText(), /saved/, 'a checkpoint at that step');
    assert.equal(await page.locator('#generations td[data-step="0"] .cut').count(), 3, 'cut at max_new_tokens');
  });

  test('show all steps; a changed answer is marked, an unchanged one is not', async () => {
    await page.locator('#generations-toggle').click();
    await page.waitForFunction(() => document.querySelectorAll('#generations thead th[data-step]').length === 6);
    assert.deepEqual(await headers(page), STEPS);
    const changed = await page.locator('#generations td.generation').evaluateAll((tds) =>
      tds.map((td) => `${(td as HTMLElement).dataset.step}:${td.classList.contains('changed') ? 'changed' : 'same'}`),
    );
    // Row by row: step 0 has nothing before it; 20 and 40 differ; later steps repeat.
    assert.deepEqual(changed.slice(0, 6), ['0:same', '20:changed', '40:changed', '60:same', '80:same', '100:same']);
    await page.locator('.layout .main').screenshot({ path: join(ROOT, 'docs/images/dashboard-generations.png') });
  });

  test('a resume from checkpoint-40 drops the later columns until they are generated again', async () => {
    const start = lmRun()[0] as RunStartEvent;
    await sendToWebview(page, { type: 'events', runId: RUN, events: [{ ...start, resumedFrom: `${RUN}/checkpoint-40`, resumedStep: 40 }] });
    await page.waitForFunction(() => document.querySelectorAll('#generations thead th[data-step]').length === 3);
    await sendToWebview(page, { type: 'events', runId: RUN, events: [generations(60, ['Blue.', 'Eight.', 'Bonjour!'])] });
    await page.waitForFunction(() => document.querySelectorAll('#generations thead th[data-step]').length === 4);
    assert.deepEqual(await column(page, 60), ['Blue.', 'Eight.', 'Bonjour!']);
  });

  test('completions are text, never markup; no CSP violations, no console errors', async () => {
    await sendToWebview(page, { type: 'events', runId: RUN, events: [generations(80, ['<img src=x onerror=alert(1)>', '</td><b>x</b>', 'ok'])] });
    await page.waitForFunction(() => document.querySelectorAll('#generations thead th[data-step]').length === 5);
    assert.deepEqual(await column(page, 80), ['<img src=x onerror=alert(1)>', '</td><b>x</b>', 'ok']);
    assert.equal(await page.locator('#generations img, #generations b').count(), 0);
    assert.deepEqual(await page.evaluate(() => window.__fts.cspViolations), []);
    assert.deepEqual(consoleErrors, []);
  });
});
