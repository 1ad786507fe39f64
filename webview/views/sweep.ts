/**
 * Sweeps: per sweep, a table of trials (parameters, best objective, status, a link that shows
 * the trial's run), a parallel-coordinates chart (one axis per parameter, then the objective;
 * one line per trial, best trials brightest), and a button that overlays every trial's curves
 * on the charts (by selecting the trials' runs).
 */
import type { JsonValue } from '../../src/config/tree';
import { formatValue, rankTrials, type TrialRecord } from '../../src/sweep/results';
import { h, replaceChildren } from '../dom';
import type { SweepView } from '../store';

const SVG = 'http://www.w3.org/2000/svg';

export interface SweepViewActions {
  activate(runId: string): void;
  overlay(runIds: string[]): void;
  color(runId: string): string;
}

function svg(tag: string, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** One axis: where a value sits in [0, 1], and its tick labels. Log scale for positive values spanning 2+ decades. */
interface Axis {
  label: string;
  position(value: JsonValue | undefined): number | undefined;
  ticks: [number, string][];
}

export function axisFor(label: string, values: readonly (JsonValue | undefined)[]): Axis {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === values.filter((v) => v !== undefined).length && numbers.length > 0) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const log = min > 0 && max / min >= 100;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const span = f(max) - f(min);
    const position = (v: JsonValue | undefined) => (typeof v === 'number' ? (span === 0 ? 0.5 : (f(v) - f(min)) / span) : undefined);
    return { label: log ? `${label} (log)` : label, position, ticks: [[0, formatValue(min)], [1, formatValue(max)]] };
  }
  // Categories (strings, booleans, mixed): evenly spaced in first-seen order.
  const categories = [...new Set(values.filter((v) => v !== undefined).map((v) => formatValue(v)))];
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    label,
    position: (v) => (v === undefined ? undefined : at(categories.indexOf(formatValue(v)))),
    ticks: categories.map((c, i) => [at(i), c]),
  };
}

export class SweepsView {
  readonly element: HTMLElement = h('section', { class: 'sweeps', id: 'sweeps', 'aria-label': 'Sweeps' });
  private last: Readonly<Record<string, SweepView>> | undefined;

  constructor(private readonly actions: SweepViewActions) {
    this.element.hidden = true;
  }

  update(sweeps: Readonly<Record<string, SweepView>>): void {
    if (sweeps === this.last) return;
    this.last = sweeps;
    const list = Object.values(sweeps).sort((a, b) => b.header.time - a.header.time);
    this.element.hidden = list.length === 0;
    replaceChildren(this.element, ...list.map((s) => this.renderSweep(s)));
  }

  private renderSweep(sweep: SweepView): HTMLElement {
    const { header } = sweep;
    const trials = rankTrials(sweep.trials, header.objective.greaterIsBetter);
    const counts = new Map<string, number>();
    for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(' · ');
    return h(
      'div',
      { class: 'panel sweep', 'data-sweep': sweep.sweepId },
      h(
        'div',
        { class: 'panel-title-row' },
        h('h2', {}, `Sweep ${header.name} `, h('span', { class: 'count' }, `${trials.length}/${header.trials} trials · ${summary} · ${header.target}`)),
        h('button', { class: 'overlay-trials', type: 'button', onclick: () => this.actions.overlay(trials.map((t) => t.runDir)) }, 'Overlay trial curves'),
      ),
      this.parallelCoordinates(sweep, trials),
      this.table(sweep, trials),
    );
  }

  private table(sweep: SweepView, trials: TrialRecord[]): HTMLElement {
    const { parameters, objective } = sweep.header;
    return h(
      'table',
      { class: 'diff-table sweep-table', 'aria-label': `Trials of ${sweep.header.name}` },
      h('thead', {}, h('tr', {}, h('th', {}, 'trial'), h('th', {}, 'status'), ...parameters.map((p) => h('th', {}, p)), h('th', {}, `best ${objective.key}`), h('th', {}, 'step'), h('th', {}, 'run'))),
      h(
        'tbody',
        {},
        ...trials.map((t, rank) =>
          h(
            'tr',
            { class: `trial status-${t.status}${rank === 0 && t.best !== undefined ? ' best' : ''}`, 'data-trial': t.trial, title: t.reason ?? '' },
            h('td', {}, String(t.trial)),
            h('td', { class: `trial-status ${t.status}` }, t.status),
            ...parameters.map((p) => h('td', { class: 'num' }, formatValue(t.params[p]))),
            h('td', { class: 'num objective' }, formatValue(t.best)),
            h('td', { class: 'num' }, formatValue(t.step)),
            h('td', {}, h('a', { href: '#', class: 'trial-link', onclick: (e: Event) => (e.preventDefault(), this.actions.activate(t.runDir)) }, t.runDir.split(/[\\/]/).pop() ?? t.runDir)),
          ),
        ),
      ),
    );
  }

  /** Parameters → objective, one polyline per trial with an objective value. */
  private parallelCoordinates(sweep: SweepView, trials: TrialRecord[]): SVGElement {
    const { parameters, objective } = sweep.header;
    const axes = [
      ...parameters.map((p) => ({ axis: axisFor(p, trials.map((t) => t.params[p])), value: (t: TrialRecord) => t.params[p] })),
      { axis: axisFor(objective.key, trials.map((t) => t.best)), value: (t: TrialRecord) => t.best },
    ];
    const width = 640;
    const height = 220;
    const pad = { left: 60, right: 60, top: 28, bottom: 24 };
    const x = (i: number) => pad.left + (axes.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (axes.length - 1));
    const y = (p: number) => pad.top + (1 - p) * (height - pad.top - pad.bottom);
    const chart = svg('svg', { class: 'parallel-coordinates', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Parameters against ${objective.key}` });
    const scored = trials.filter((t) => t.best !== undefined);
    // Worst first, so the best lines are drawn on top; opacity grows with rank.
    [...scored].reverse().forEach((t, i) => {
      const points = axes.map(({ axis, value }, k) => {
        const p = axis.position(value(t));
        return p === undefined ? undefined : `${x(k).toFixed(1)},${y(p).toFixed(1)}`;
      });
      if (points.some((p) => p === undefined)) return;
      const opacity = scored.length === 1 ? 1 : 0.35 + (0.65 * i) / (scored.length - 1);
      chart.append(
        svg(
          'polyline',
          { class: `pc-line status-${t.status}`, points: points.join(' '), fill: 'none', stroke: this.actions.color(t.runDir), 'stroke-width': i === scored.length - 1 ? 3 : 1.5, 'stroke-opacity': opacity.toFixed(2), 'data-trial': t.trial },
          svg('title', {}, `trial ${t.trial}: ${objective.key} ${formatValue(t.best)} (${t.status})`),
        ),
      );
    });
    axes.forEach(({ axis }, k) => {
      const group = svg('g', { class: 'pc-axis' });
      group.append(svg('line', { x1: x(k), x2: x(k), y1: y(0), y2: y(1), stroke: 'currentColor', 'stroke-opacity': 0.5 }));
      group.append(svg('text', { x: x(k), y: 14, 'text-anchor': 'middle', fill: 'currentColor', 'font-size': 11 }, axis.label));
      for (const [p, label] of axis.ticks) {
        group.append(svg('text', { x: x(k) + 4, y: y(p) + 4, fill: 'currentColor', 'fill-opacity': 0.7, 'font-size': 10 }, label));
      }
      chart.append(group);
    });
    return chart;
  }
}
