/**
 * The dashboard: owns the state, reduces host messages and UI actions through the store, and
 * renders the views at most once per frame. Everything it needs comes in through the constructor.
 */
import { isHostToWebviewMessage, type RunSummary, type WebviewToHostMessage } from '../src/protocol/webview';
import { ChartsPanel } from './charts';
import { h } from './dom';
import { FrameScheduler } from './scheduler';
import { createInitialState, persistedState, reduce, runRows, type DashboardState, type StoreAction } from './store';
import { observeTheme, readChartTheme } from './theme';
import type { DashboardHost } from './vscodeApi';
import { CheckpointsView } from './views/checkpoints';
import { ConfigDiffPanel } from './views/configDiff';
import { FailureView } from './views/failure';
import { GenerationsPanel } from './views/generations';
import { HeaderView } from './views/header';
import { MessagesView } from './views/messages';
import { ProgressView } from './views/progress';
import { RunListView } from './views/runList';
import { StatsView } from './views/stats';
import { SweepsView } from './views/sweep';
import { ChartToolbar } from './views/toolbar';

export interface DashboardOptions {
  /** Minimum time between two renders (ms). */
  minRenderIntervalMs?: number;
}

export class DashboardApp {
  private state: DashboardState;
  private rendered: DashboardState | undefined;
  private rows: RunSummary[] = [];
  /** Run colours stay with a run for the page's life, in order of first appearance. */
  private readonly colorIndex = new Map<string, number>();
  private theme = readChartTheme();
  private readonly scheduler: FrameScheduler;
  private readonly disposers: (() => void)[] = [];

  private readonly header: HeaderView;
  private readonly progress = new ProgressView();
  private readonly failure: FailureView;
  private readonly stats = new StatsView();
  private readonly toolbar: ChartToolbar;
  private readonly charts: ChartsPanel;
  private readonly runList: RunListView;
  private readonly checkpoints = new CheckpointsView();
  private readonly messages = new MessagesView();
  private readonly configDiff: ConfigDiffPanel;
  private readonly sweeps: SweepsView;
  private readonly generations = new GenerationsPanel();

  constructor(
    root: HTMLElement,
    private readonly host: DashboardHost,
    options: DashboardOptions = {},
  ) {
    this.state = createInitialState(host.loadState());
    const post = (m: WebviewToHostMessage) => this.host.post(m);
    this.header = new HeaderView(post);
    this.failure = new FailureView(post);
    this.toolbar = new ChartToolbar((smoothing) => this.dispatch({ type: 'ui.setSmoothing', smoothing }));
    const name = (id: string) => this.rows.find((r) => r.id === id)?.name ?? id;
    const color = (id: string) => this.colorFor(id);
    this.charts = new ChartsPanel(this.theme, name, color);
    this.runList = new RunListView({
      activate: (runId) => this.dispatch({ type: 'ui.activateRun', runId }),
      toggle: (runId, selected) => this.dispatch({ type: 'ui.toggleRun', runId, selected }),
      compare: (runIds) => post({ type: 'requestConfigDiff', runIds }),
      exportRuns: (runIds) => post({ type: 'exportRuns', runIds, charts: this.charts.images() }),
      color,
    });
    this.configDiff = new ConfigDiffPanel(name, () => this.dispatch({ type: 'ui.closeConfigDiff' }));
    this.sweeps = new SweepsView({
      activate: (runId) => this.dispatch({ type: 'ui.activateRun', runId }),
      overlay: (runIds) => this.dispatch({ type: 'ui.overlayRuns', runIds: runIds.filter((id) => this.rows.some((r) => r.id === id)) }),
      color,
    });

    root.replaceChildren(
      h(
        'div',
        { class: 'layout' },
        h(
          'div',
          { class: 'main' },
          this.header.element,
          this.progress.element,
          this.failure.element,
          this.stats.element,
          this.configDiff.element,
          this.sweeps.element,
          h('section', { class: 'metrics', 'aria-label': 'Charts' }, this.toolbar.element, this.charts.element),
          this.generations.element,
        ),
        h('aside', { class: 'sidebar' }, this.runList.element, this.checkpoints.element, this.messages.element),
      ),
    );
    root.removeAttribute('aria-busy');

    this.scheduler = new FrameScheduler(() => this.render(), options.minRenderIntervalMs ?? 100);
    this.disposers.push(
      () => this.scheduler.dispose(),
      () => this.charts.dispose(),
      observeTheme(() => {
        this.theme = readChartTheme();
        this.charts.setTheme(this.theme);
        this.rendered = undefined;
        this.scheduler.request();
      }),
    );
    this.render();
  }

  /** A message from the host (window 'message' event data); invalid ones are dropped. */
  receive(data: unknown): void {
    if (!isHostToWebviewMessage(data)) {
      console.warn('Fine-Tune Studio dashboard: ignored an unknown message', data);
      return;
    }
    this.dispatch(data);
    // After init the host learns which runs to load (persisted overlays included).
    if (data.type === 'init') this.host.post({ type: 'selectRuns', runIds: [...this.state.selectedRunIds] });
  }

  dispatch(action: StoreAction): void {
    const before = this.state;
    this.state = reduce(before, action);
    if (this.state === before) return;
    if (
      before.selectedRunIds !== this.state.selectedRunIds ||
      before.activeRunId !== this.state.activeRunId ||
      before.smoothing !== this.state.smoothing
    ) {
      this.host.saveState(persistedState(this.state));
      if (action.type.startsWith('ui.') && before.selectedRunIds !== this.state.selectedRunIds) {
        this.host.post({ type: 'selectRuns', runIds: [...this.state.selectedRunIds] });
      }
    }
    this.scheduler.request();
  }

  getState(): DashboardState {
    return this.state;
  }

  private colorFor(runId: string): string {
    let i = this.colorIndex.get(runId);
    if (i === undefined) {
      i = this.colorIndex.size;
      this.colorIndex.set(runId, i);
    }
    return this.theme.runColors[i % this.theme.runColors.length];
  }

  private render(): void {
    const s = this.state;
    const prev = this.rendered;
    if (s.runs !== prev?.runs || s.views !== prev?.views) {
      this.rows = runRows(s);
      for (const r of this.rows) this.colorFor(r.id);
    }
    const activeId = s.activeRunId;
    const view = activeId === undefined ? undefined : s.views[activeId];
    const summary = this.rows.find((r) => r.id === activeId);
    this.header.update({ summary, view });
    this.progress.update(view);
    this.failure.update(view);
    this.stats.update(view);
    this.toolbar.update(s.smoothing);
    this.runList.update({ rows: this.rows, activeRunId: activeId, selectedRunIds: s.selectedRunIds });
    this.checkpoints.update(view?.checkpoints);
    this.messages.update(view?.messages);
    this.configDiff.update(s.configDiff);
    this.sweeps.update(s.sweeps);
    this.generations.update({ generations: view?.generations, checkpoints: view?.checkpoints });
    const drew = this.charts.update(s);
    const activeChanged = prev === undefined || prev.activeRunId !== activeId || prev.views[activeId ?? ''] !== view;
    this.rendered = s;
    if (drew || (activeChanged && view !== undefined)) {
      this.host.post({ type: 'rendered', runId: activeId, points: view?.series.loss?.length ?? 0 });
    }
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
  }
}
