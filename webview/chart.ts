/**
 * One metric chart card: a uPlot line chart over step, one smoothed line per run with its raw
 * values faint behind it (TensorBoard style), and a header that shows the latest values, or the
 * values under the cursor.
 */
import uPlot from 'uplot';
import { h, replaceChildren, setText } from './dom';
import { formatMetric, formatTicks } from './format';
import type { Series } from './series';
import { RunTable } from './runTable';
import { withAlpha, type ChartTheme } from './theme';

export interface ChartRun {
  runId: string;
  name: string;
  color: string;
  series: Series;
}

export interface ChartInput {
  /** In drawing order, back to front; the header lists them front first. */
  runs: readonly ChartRun[];
  /** EMA weight; 0 draws the raw values only. */
  smoothing: number;
  /** Right end of the step axis (the furthest step shown), so every chart shares one x range. */
  xMax?: number;
}

const HEIGHT = 190;

type Column = (number | null | undefined)[];

/** uPlot's aligned data for all runs: [steps, run0 smoothed, run0 raw?, run1 smoothed, ...]. */
export function joinRunTables(tables: uPlot.AlignedData[]): uPlot.AlignedData {
  if (tables.length === 0) return [[]];
  if (tables.length === 1) return tables[0];
  return uPlot.join(tables);
}

export class MetricChart {
  readonly element: HTMLElement;
  private readonly plotEl: HTMLElement;
  private readonly valuesEl: HTMLElement;
  private readonly stepEl: HTMLElement;
  private plot: uPlot | undefined;
  private structure = '';
  private input: ChartInput | undefined;
  private data: uPlot.AlignedData = [[]];
  /** Per run, its incrementally maintained columns. */
  private readonly tables = new Map<string, RunTable>();

  constructor(
    readonly key: string,
    title: string,
    private theme: ChartTheme,
  ) {
    this.valuesEl = h('div', { class: 'chart-values' });
    this.stepEl = h('span', { class: 'chart-step' });
    this.plotEl = h('div', { class: 'chart-plot' });
    this.element = h(
      'section',
      { class: 'chart-card', 'data-metric': key },
      h('header', { class: 'chart-header' }, h('h3', { class: 'chart-title' }, title), this.stepEl, this.valuesEl),
      this.plotEl,
    );
  }

  /** Draws the input if it differs from the last one; returns whether it drew. */
  update(input: ChartInput): boolean {
    const prev = this.input;
    if (
      prev &&
      prev.smoothing === input.smoothing &&
      prev.xMax === input.xMax &&
      prev.runs.length === input.runs.length &&
      prev.runs.every((r, i) => r.series === input.runs[i].series && r.color === input.runs[i].color && r.name === input.runs[i].name)
    ) {
      return false;
    }
    this.input = input;
    this.data = this.buildData(input);
    const structure = `${input.smoothing > 0}|${input.runs.map((r) => `${r.runId}\u0000${r.color}\u0000${r.name}`).join('\u0001')}`;
    if (this.plot && structure === this.structure) {
      this.plot.setData(this.data);
    } else {
      this.structure = structure;
      this.create();
    }
    this.showValues(null);
    return true;
  }

  private buildData(input: ChartInput): uPlot.AlignedData {
    const buckets = Math.max(100, this.width());
    const tables = input.runs.map((run) => {
      let table = this.tables.get(run.runId);
      if (!table) {
        table = new RunTable();
        this.tables.set(run.runId, table);
      }
      return table.update(run.series, input.smoothing, buckets);
    });
    for (const id of this.tables.keys()) if (!input.runs.some((r) => r.runId === id)) this.tables.delete(id);
    return joinRunTables(tables);
  }

  /** The plot as drawn (axes and series), as a PNG data URL; undefined before the first draw. */
  toPng(): string | undefined {
    return this.plot?.ctx.canvas.toDataURL('image/png');
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.plot) this.create();
  }

  /** Follows the card's width (called by the panel's ResizeObserver). */
  resize(): void {
    const width = this.width();
    if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
  }

  dispose(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.element.remove();
  }

  private width(): number {
    return Math.floor(this.plotEl.clientWidth || this.element.clientWidth || 400);
  }

  private create(): void {
    this.plot?.destroy();
    const input = this.input ?? { runs: [], smoothing: 0 };
    const t = this.theme;
    const withRaw = input.smoothing > 0;
    const series: uPlot.Series[] = [{ label: 'step' }];
    for (const run of input.runs) {
      series.push({ label: run.name, stroke: run.color, width: 1.75, spanGaps: true, points: { size: 5, fill: run.color } });
      if (withRaw) series.push({ label: `${run.name} (raw)`, stroke: withAlpha(run.color, 0.28), width: 1, spanGaps: true, points: { show: false } });
    }
    const axis = (size: number): uPlot.Axis => ({
      stroke: t.axis,
      font: t.font,
      size,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1, size: 4 },
    });
    const opts: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: {
        sync: { key: 'fts-step', setSeries: false },
        points: { size: 6 },
        drag: { x: true, y: false },
        y: false,
      },
      focus: { alpha: 1 },
      scales: {
        x: {
          time: false,
          // Whole run on the axis (progress reads at a glance); a drag zoom still narrows it.
          range: (_u, min, max) => [Math.min(0, min), Math.max(max, this.input?.xMax ?? max)],
        },
      },
      axes: [
        { ...axis(26), values: (_u, splits) => splits.map((v) => (v == null ? '' : formatStep(v))) },
        { ...axis(52), values: (_u, splits) => formatTicks(splits) },
      ],
      series,
      hooks: { setCursor: [(u) => this.showValues(u.cursor.idx ?? null)] },
    };
    replaceChildren(this.plotEl);
    this.plot = new uPlot(opts, this.data, this.plotEl);
  }

  /** Header values: at the cursor index, or each run's latest point. */
  private showValues(idx: number | null): void {
    const input = this.input;
    if (!input) return;
    const stride = input.smoothing > 0 ? 2 : 1;
    const xs = this.data[0] as Column;
    const items: HTMLElement[] = [];
    let step: number | undefined = idx !== null ? (xs[idx] ?? undefined) : undefined;
    input.runs.forEach((run, r) => {
      const col = this.data[1 + r * stride] as Column | undefined;
      if (!col) return;
      let i = idx;
      if (i === null) {
        // Latest point of this run (aligned data may end with another run's steps).
        i = col.length - 1;
        while (i >= 0 && col[i] == null) i--;
        // Without a cursor the header's step is the front (active) run's latest.
        if (r === input.runs.length - 1 && i >= 0) step = xs[i] ?? undefined;
      }
      const v = i >= 0 ? col[i] : undefined;
      items.unshift(
        h(
          'span',
          { class: 'chart-value', title: run.name },
          h('i', { class: 'swatch', 'data-color': run.color }),
          input.runs.length > 1 ? h('span', { class: 'chart-value-run' }, run.name) : null,
          h('b', {}, v == null ? '–' : formatMetric(v)),
        ),
      );
    });
    replaceChildren(this.valuesEl, ...items);
    // Swatch colours through CSSOM (allowed by the CSP, unlike style attributes).
    for (const sw of this.valuesEl.querySelectorAll<HTMLElement>('.swatch')) sw.style.background = sw.dataset.color ?? '';
    setText(this.stepEl, step === undefined || !Number.isFinite(step) ? '' : `step ${formatStep(step)}`);
  }
}

function formatStep(v: number): string {
  if (Math.abs(v) >= 10000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Math.round(v * 100) / 100);
}
