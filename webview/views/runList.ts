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

/** One run's row, kept across renders so a click that lands during a live update is not lost. */
interface RunRow {
  readonly li: HTMLLIElement;
  readonly checkbox: VscodeCheckbox;
  readonly swatch: HTMLElement;
  readonly name: HTMLButtonElement;
  readonly sub: HTMLElement;
  readonly status: HTMLElement;
  readonly step: HTMLElement;
  readonly best: HTMLElement;
}

export class RunListView {
  readonly element: HTMLElement;
  private readonly list = h('ul', { class: 'run-list', id: 'run-list', 'aria-label': 'Runs' });
  private readonly empty = h('li', { class: 'empty' }, 'No runs yet.');
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
  private readonly rowsById = new Map<string, RunRow>();
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
    const present = new Set(input.rows.map((r) => r.id));
    for (const id of [...this.rowsById.keys()]) if (!present.has(id)) this.rowsById.delete(id);
    if (input.rows.length === 0) {
      replaceChildren(this.list, this.empty);
      return;
    }
    // Rows are updated in place and only moved when the order changed: a live run re-renders the
    // list several times a second, and replacing the row under a pressed mouse button loses the click.
    const wanted = input.rows.map((r) => {
      const row = this.rowsById.get(r.id) ?? this.createRow(r.id);
      this.fillRow(row, r, input);
      return row.li;
    });
    const current = [...this.list.children];
    if (current.length !== wanted.length || current.some((el, i) => el !== wanted[i])) {
      wanted.forEach((li, i) => {
        if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
      });
      while (this.list.children.length > wanted.length) this.list.lastElementChild!.remove();
    }
  }

  private createRow(runId: string): RunRow {
    const checkbox = h('vscode-checkbox', { class: 'run-check' }) as VscodeCheckbox;
    checkbox.addEventListener('change', () => this.actions.toggle(runId, checkbox.checked));
    const swatch = h('i', { class: 'swatch' });
    const name = h('button', { class: 'run-name' });
    name.addEventListener('click', () => this.actions.activate(runId));
    const sub = h('div', { class: 'run-sub' });
    const status = h('span');
    const step = h('span', { class: 'run-step' });
    const best = h('span', { class: 'run-best', title: 'Best metric' });
    const li = h('li', { 'data-run-id': runId }, checkbox, swatch, h('div', { class: 'run-main' }, name, sub), h('div', { class: 'run-side' }, status, step, best));
    const row: RunRow = { li, checkbox, swatch, name, sub, status, step, best };
    this.rowsById.set(runId, row);
    return row;
  }

  private fillRow(row: RunRow, run: RunSummary, input: RunListInput): void {
    const active = run.id === input.activeRunId;
    const selected = input.selectedRunIds.includes(run.id);
    row.li.className = `run-row${active ? ' active' : ''}`;
    row.checkbox.checked = selected;
    row.checkbox.disabled = active;
    row.checkbox.setAttribute('aria-label', `Show ${run.name} on the charts`);
    row.checkbox.title = active ? 'The focused run is always shown' : 'Overlay on the charts';
    row.swatch.style.background = selected ? this.actions.color(run.id) : 'transparent';
    row.swatch.style.borderColor = this.actions.color(run.id);
    setText(row.name, run.name);
    row.name.title = `${run.outputDir}\n${run.configPath}`;
    if (active) row.name.setAttribute('aria-current', 'true');
    else row.name.removeAttribute('aria-current');
    setText(row.sub, `${formatDate(run.startedAt)}${run.backend ? ` · ${run.backend.name}` : ''}`);
    row.status.className = `status-pill status-${run.status}`;
    setText(row.status, run.status);
    setText(row.step, run.totalSteps > 0 ? `${run.lastStep} / ${run.totalSteps}` : run.lastStep > 0 ? String(run.lastStep) : '');
    setText(row.best, run.bestMetric !== undefined ? `★ ${formatMetric(run.bestMetric)}` : '');
    row.best.hidden = run.bestMetric === undefined;
  }
}
