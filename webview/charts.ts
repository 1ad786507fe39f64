/**
 * The chart grid: one MetricChart per metric of the selected runs (train loss, learning rate,
 * grad norm, then every eval metric), overlaying the selected runs, smoothing applied.
 */
import type { ChartImage } from '../src/protocol/webview';
import { MetricChart, type ChartRun } from './chart';
import { h, setText } from './dom';
import { metricTitle } from './format';
import { chartKeys, type DashboardState } from './store';
import type { ChartTheme } from './theme';

/**
 * Only the per-step training series are noisy enough to smooth. Learning rate is a schedule, and
 * eval metrics come a few per run (an EMA over three points would misstate them).
 */
const SMOOTHED = new Set(['loss', 'grad_norm']);

export class ChartsPanel {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly charts = new Map<string, MetricChart>();
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private theme: ChartTheme,
    private readonly runName: (runId: string) => string,
    private readonly runColor: (runId: string) => string,
  ) {
    this.grid = h('div', { class: 'chart-grid' });
    this.empty = h('p', { class: 'empty' }, 'Charts appear with the first logged step.');
    this.element = h('div', { class: 'charts' }, this.empty, this.grid);
    this.resizeObserver = new ResizeObserver(() => {
      for (const c of this.charts.values()) c.resize();
    });
    this.resizeObserver.observe(this.grid);
  }

  /** Brings the charts up to date with the state; returns whether any chart drew new data. */
  update(state: DashboardState): boolean {
    const keys = chartKeys(state);
    for (const [key, chart] of this.charts) {
      if (!keys.includes(key)) {
        chart.dispose();
        this.charts.delete(key);
      }
    }
    // The step axis follows the data (as TensorBoard's does): a long run's first minutes fill the
    // chart instead of hugging its left edge; the progress bar already shows how far the run has to go.
    let xMax = 0;
    for (const runId of state.selectedRunIds) {
      const v = state.views[runId];
      if (v) xMax = Math.max(xMax, v.progress.step);
    }
    let drew = false;
    keys.forEach((key, index) => {
      let chart = this.charts.get(key);
      if (!chart) {
        chart = new MetricChart(key, metricTitle(key), this.theme);
        this.charts.set(key, chart);
      }
      // Keep DOM order equal to key order (insert only when out of place).
      if (this.grid.children[index] !== chart.element) this.grid.insertBefore(chart.element, this.grid.children[index] ?? null);
      const runs: ChartRun[] = [];
      // Back to front: overlays first, the active run (first selected) drawn last, on top.
      for (const runId of [...state.selectedRunIds].reverse()) {
        const series = state.views[runId]?.series[key];
        if (series && series.length > 0) runs.push({ runId, name: this.runName(runId), color: this.runColor(runId), series });
      }
      drew = chart.update({ runs, smoothing: SMOOTHED.has(key) ? state.smoothing : 0, xMax }) || drew;
    });
    this.empty.hidden = keys.length > 0;
    setText(this.empty, state.selectedRunIds.length === 0 ? 'No run selected.' : 'Charts appear with the first logged step.');
    return drew;
  }

  /** Each chart drawn so far as a PNG, in grid order, for the export. */
  images(): ChartImage[] {
    return [...this.charts.values()].flatMap((chart) => {
      const png = chart.toPng();
      return png ? [{ metric: chart.key, png }] : [];
    });
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    for (const c of this.charts.values()) c.setTheme(theme);
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    for (const c of this.charts.values()) c.dispose();
    this.charts.clear();
  }
}
