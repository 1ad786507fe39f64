/** Stat tiles: the latest train loss, learning rate, grad norm and each eval metric (with its best). */
import { h, replaceChildren } from '../dom';
import { formatMetric, metricTitle } from '../format';
import { lastY, type Series } from '../series';
import { isChartableMetric, type RunView } from '../store';
import { isLowerBetterMetric } from '../../src/config/resolve';


function best(series: Series, lower: boolean): number | undefined {
  let b: number | undefined;
  for (let i = 0; i < series.length; i++) {
    const v = series.ys[i];
    if (Number.isFinite(v) && (b === undefined || (lower ? v < b : v > b))) b = v;
  }
  return b;
}

export class StatsView {
  readonly element = h('section', { class: 'stats', 'aria-label': 'Latest values' });
  private last: RunView | undefined | null = null;

  update(view: RunView | undefined): void {
    if (view === this.last) return;
    this.last = view;
    if (!view) {
      replaceChildren(this.element);
      return;
    }
    const tile = (key: string, value: number | undefined, sub?: string) =>
      h(
        'div',
        { class: 'stat', 'data-metric': key },
        h('div', { class: 'stat-label' }, metricTitle(key)),
        h('div', { class: 'stat-value' }, formatMetric(value)),
        sub ? h('div', { class: 'stat-sub' }, sub) : null,
      );
    const tiles: HTMLElement[] = [];
    const loss = view.series.loss;
    tiles.push(tile('loss', loss && lastY(loss), loss && loss.length ? `step ${loss.xs[loss.length - 1]}` : undefined));
    if (view.series.learning_rate) tiles.push(tile('learning_rate', lastY(view.series.learning_rate)));
    if (view.series.grad_norm) tiles.push(tile('grad_norm', lastY(view.series.grad_norm)));
    const evals = view.lastEval;
    if (evals) {
      for (const key of Object.keys(evals.metrics).filter(isChartableMetric).sort()) {
        const series = view.series[key];
        const b = series ? best(series, isLowerBetterMetric(key)) : undefined;
        tiles.push(tile(key, evals.metrics[key], `step ${evals.step}${b !== undefined ? ` · best ${formatMetric(b)}` : ''}`));
      }
    }
    replaceChildren(this.element, ...tiles);
  }
}
