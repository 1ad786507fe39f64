/**
 * Browser entry for bench/webview-render.ts: times the chart and the store inside the page, with
 * the same modules the dashboard uses. Exposes window.ftsBench.run().
 */
import 'uplot/dist/uPlot.min.css';
import '../webview/styles.css';
import type { LogEvent, TrainerEvent } from '../src/protocol/events';
import { MetricChart } from '../webview/chart';
import { appendPoint, EMPTY_SERIES, type Series } from '../webview/series';
import { createInitialState, reduce } from '../webview/store';
import { readChartTheme } from '../webview/theme';

export interface BenchFigures {
  points: number;
  initialSetDataMs: number;
  appendBatch: number;
  appendSetDataMs: number;
  appendMedianMs: number;
  smoothingToggleMs: number;
  overlay2x100kMs: number;
  reducerBatchedEventsPerSec: number;
  reducerSingleEventsPerSec: number;
}

declare global {
  interface Window {
    ftsBench: { run(points: number, batch: number): Promise<BenchFigures> };
  }
}

function logEvent(step: number): LogEvent {
  return {
    type: 'log', time: step * 100, step, epoch: step / 1000, loss: 0.7 * Math.exp(-step / 30000) + 0.1 + Math.sin(step) * 0.02,
    learning_rate: 5e-4 * (1 - step / 200000), grad_norm: 1 + Math.cos(step) * 0.2, samples_per_second: 320, steps_per_second: 10,
  };
}

function series(from: number, to: number, base: Series = EMPTY_SERIES): Series {
  let s = base;
  for (let step = from; step <= to; step++) s = appendPoint(s, step, logEvent(step).loss);
  return s;
}

/** Resolves after uPlot's queued commit (a microtask queued after it) has drawn. */
const drawn = () => new Promise<void>((resolve) => queueMicrotask(resolve));

async function timeUpdate(run: () => void): Promise<number> {
  const t0 = performance.now();
  run();
  await drawn();
  return performance.now() - t0;
}

async function run(points: number, batch: number): Promise<BenchFigures> {
  const root = document.getElementById('app')!;
  root.removeAttribute('aria-busy');
  const theme = readChartTheme();
  const chart = new MetricChart('loss', 'Train loss', theme);
  root.append(chart.element);
  const input = (s: Series, smoothing = 0.6, extra?: Series) => ({
    runs: [
      ...(extra ? [{ runId: 'b', name: 'b', color: theme.runColors[1], series: extra }] : []),
      { runId: 'a', name: 'a', color: theme.runColors[0], series: s },
    ],
    smoothing,
    xMax: points + 10 * batch,
  });

  let s = series(1, points);
  const initialSetDataMs = await timeUpdate(() => chart.update(input(s)));
  const appends: number[] = [];
  for (let k = 0; k < 10; k++) {
    const from = points + k * batch + 1;
    s = series(from, from + batch - 1, s);
    appends.push(await timeUpdate(() => chart.update(input(s))));
  }
  const smoothingToggleMs = await timeUpdate(() => chart.update(input(s, 0)));
  const other = series(1, points);
  const overlay2x100kMs = await timeUpdate(() => chart.update(input(s, 0.6, other)));
  chart.dispose();

  // Reducer: the host's batches (100 events a message) and the worst case (one event a message).
  const events: TrainerEvent[] = [];
  for (let step = 1; step <= points; step++) events.push(logEvent(step));
  let state = createInitialState();
  let t0 = performance.now();
  for (let i = 0; i < events.length; i += 100) state = reduce(state, { type: 'events', runId: 'r', events: events.slice(i, i + 100) });
  const batchedMs = performance.now() - t0;
  state = createInitialState();
  t0 = performance.now();
  for (const e of events) state = reduce(state, { type: 'events', runId: 'r', events: [e] });
  const singleMs = performance.now() - t0;
  if (state.views.r.series.loss.length !== points) throw new Error('reducer lost points');

  const sorted = [...appends].sort((a, b) => a - b);
  return {
    points,
    initialSetDataMs,
    appendBatch: batch,
    appendSetDataMs: appends.reduce((a, b) => a + b, 0) / appends.length,
    appendMedianMs: sorted[Math.floor(sorted.length / 2)],
    smoothingToggleMs,
    overlay2x100kMs,
    reducerBatchedEventsPerSec: points / (batchedMs / 1000),
    reducerSingleEventsPerSec: points / (singleMs / 1000),
  };
}

window.ftsBench = { run };
