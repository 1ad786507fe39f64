/**
 * Dashboard rendering figures in headless Chromium (no assertions on time):
 *  - chart: initial setData with 100k points, incremental append batches, smoothing toggle, overlay
 *  - store: reducer throughput in events/s (host-sized batches and one event per message)
 *  - end to end: 100k events as one runHistory message to the `rendered` message, and a live batch
 * Run: npx tsx bench/webview-render.ts [points=100000] [batch=1000]
 */
import type { Page } from 'playwright-core';
import type { TrainerEvent } from '../src/protocol/events';
import {
  buildWebviewBundle,
  launchChromium,
  openDashboard,
  postStaged,
  sendToWebview,
  stageMessage,
  serveDashboard,
  waitForRendered,
} from '../test/browser/harness';
import { DARK_THEME } from '../test/browser/themes';
import type { BenchFigures } from './webview-bench-entry';

const points = Number(process.argv[2] ?? 100_000);
const batch = Number(process.argv[3] ?? 1000);

function logs(from: number, to: number): TrainerEvent[] {
  const out: TrainerEvent[] = [];
  for (let step = from; step <= to; step++) {
    out.push({
      type: 'log', time: step * 100, step, epoch: step / 1000, loss: 0.7 * Math.exp(-step / 30000) + 0.1 + Math.sin(step) * 0.02,
      learning_rate: 5e-4, grad_norm: 1 + Math.cos(step) * 0.2, samples_per_second: 320, steps_per_second: 10,
    });
  }
  return out;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const rate = (v: number) => `${Math.round(v).toLocaleString('en-US')} events/s`;

async function endToEnd(page: Page): Promise<{ historyMs: number; liveBatchMs: number }> {
  await sendToWebview(page, { type: 'init', runs: [], activeRunId: 'r' });
  const start = { type: 'runStart', protocol: 1, runId: 'r', time: 0, configPath: '/w/a.trainer.yaml', outputDir: '/w/runs/r', config: {},
    totalSteps: points + batch, numEpochs: 1, stepsPerEpoch: points + batch, trainExamples: 1, evalExamples: 1, backend: { name: 'cpu', device: 'CPU' } } as const;
  const history = [start, ...logs(1, points)];
  await stageMessage(page, { type: 'runHistory', runId: 'r', events: history });
  let t0 = performance.now();
  await postStaged(page);
  await waitForRendered(page, points, 'r');
  const historyMs = performance.now() - t0;
  await stageMessage(page, { type: 'events', runId: 'r', events: logs(points + 1, points + batch) });
  t0 = performance.now();
  await postStaged(page);
  await waitForRendered(page, points + batch, 'r');
  return { historyMs, liveBatchMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  const benchServer = await serveDashboard(await buildWebviewBundle('bench/webview-bench-entry.ts'));
  const appServer = await serveDashboard(await buildWebviewBundle('webview/main.ts'));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(benchServer.url);
    const f: BenchFigures = await page.evaluate(([n, b]) => window.ftsBench.run(n, b), [points, batch] as const);
    console.log(`webview chart (uPlot, one chart, 960 px wide, smoothing 0.6)`);
    console.log(`  initial setData, ${f.points.toLocaleString('en-US')} points: ${ms(f.initialSetDataMs)}`);
    console.log(`  append ${f.appendBatch} points (x10):          mean ${ms(f.appendSetDataMs)}, median ${ms(f.appendMedianMs)}`);
    console.log(`  smoothing toggled off (rebuild):   ${ms(f.smoothingToggleMs)}`);
    console.log(`  overlay of a second 100k run:      ${ms(f.overlay2x100kMs)}`);
    console.log(`store reducer (log events, pure, in Chromium)`);
    console.log(`  batches of 100:                    ${rate(f.reducerBatchedEventsPerSec)}`);
    console.log(`  one event per message:             ${rate(f.reducerSingleEventsPerSec)}`);

    const { page: app } = await openDashboard(browser, appServer.url, { themeVars: DARK_THEME });
    const e2e = await endToEnd(app);
    console.log(`dashboard end to end (postMessage -> reducer -> 3 charts -> 'rendered')`);
    console.log(`  runHistory of ${points.toLocaleString('en-US')} logs:        ${ms(e2e.historyMs)}`);
    console.log(`  live batch of ${batch} logs:            ${ms(e2e.liveBatchMs)} (includes the up-to-100 ms render throttle)`);
  } finally {
    await browser.close();
    await benchServer.close();
    await appServer.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
