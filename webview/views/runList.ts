/** The run list: a checkbox per run to overlay it on the charts, click a name to focus it, compare two configs, export. */
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { RunSummary } from '../../src/protocol/webview';
import { h, replaceChildren, setText } from '../dom';
import { formatDate, formatMetric } from '../format';

export interface RunListInput {
  rows: readonly RunSummary[];
  activeRunId?: string;
  selectedRunIds: readonly string[];
}

export interface RunListActions {
  activate(runId: string): void;
  toggle(runId: string, selected: boolean): void;
  compare(runIds: [string, string]): void;
  /** Export the selected runs (CSV of every logged value, and the charts as PNG). */
  exportRuns(runIds: string[]): void;
  color(runId: string): string;
}

export class RunListView {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'run-list', id: 'run-list', 'aria-label': 'Runs' });
  private readonly count = h('span', { class: 'count' });
  private readonly compareButton = h(
    'vscode-button',
    { id: 'compare-configs', secondary: true, title: 'Select exactly two runs to compare their resolved configs' },
    'Compare configs',
  ) as VscodeButton;
  private readonly exportButton = h(
    'vscode-button',
    { id: 'export-runs', secondary: true, title: 'Save every logged value of the selected runs as CSV, and each chart as PNG' },
    'Export',
  ) as VscodeButton;
  private lastKey = '';
  private selected: readonly string[] = [];

  constructor(private readonly actions: RunListActions) {
    this.element = h(
      'section',
      { class: 'panel runs' },
      h('h2', {}, 'Runs ', this.count),
      this.list,
      h('div', { class: 'panel-actions' }, this.compareButton, this.exportButton),
    );
    this.exportButton.addEventListener('click', () => {
      if (this.selected.length > 0) this.actions.exportRuns([...this.selected]);
    });
    this.compareButton.addEventListener('click', () => {
      if (this.selected.length === 2) this.actions.compare([this.selected[0], this.selected[1]]);
    });
  }

  update(input: RunListInput): void {
    const key = JSON.stringify([input.rows, input.activeRunId, input.selectedRunIds]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.selected = input.selectedRunIds;
    setText(this.count, String(input.rows.length));
    this.compareButton.disabled = input.selectedRunIds.length !== 2;
    this.exportButton.disabled = input.selectedRunIds.length === 0;
    if (input.rows.length === 0) {
      replaceChildren(this.list, h('li', { class: 'empty' }, 'No runs yet.'));
      return;
    }
    replaceChildren(this.list, ...input.rows.map((r) => this.row(r, input)));
  }

  private row(run: RunSummary, input: RunListInput): HTMLElement {
    const active = run.id === input.activeRunId;
    const selected = input.selectedRunIds.includes(run.id);
    const checkbox = h('vscode-checkbox', {
      class: 'run-check',
      checked: selected,
      disabled: active,
      'aria-label': `Show ${run.name} on the charts`,
      title: active ? 'The focused run is always shown' : 'Overlay on the charts',
    }) as VscodeCheckbox;
    checkbox.addEventListener('change', () => this.actions.toggle(run.id, checkbox.checked));
    const swatch = h('i', { class: 'swatch' });
    swatch.style.background = selected ? this.actions.color(run.id) : 'transparent';
    swatch.style.borderColor = this.actions.color(run.id);
    const name = h('button', { class: 'run-name', title: `${run.outputDir}\n${run.configPath}`, 'aria-current': active ? 'true' : undefined }, run.name);
    name.addEventListener('click', () => this.actions.activate(run.id));
    const progress = run.totalSteps > 0 ? `${run.lastStep} / ${run.totalSteps}` : run.lastStep > 0 ? String(run.lastStep) : '';
    return h(
      'li',
      { class: `run-row${active ? ' active' : ''}`, 'data-run-id': run.id },
      checkbox,
      swatch,
      h('div', { class: 'run-main' }, name, h('div', { class: 'run-sub' }, formatDate(run.startedAt), run.backend ? ` · ${run.backend.name}` : '')),
      h(
        'div',
        { class: 'run-side' },
        h('span', { class: `status-pill status-${run.status}` }, run.status),
        h('span', { class: 'run-step' }, progress),
        run.bestMetric !== undefined ? h('span', { class: 'run-best', title: 'Best metric' }, `★ ${formatMetric(run.bestMetric)}`) : null,
      ),
    );
  }
}
