/**
 * The dashboard's state: a pure reducer from (state, message) to state. Host messages and UI
 * actions go through it; views read the result and compare object identity to skip work.
 */
import type {
  CheckpointEvent,
  GenerationsEvent,
  RunEndEvent,
  RunError,
  RunStartEvent,
  TrainerEvent,
} from '../src/protocol/events';
import type {
  DashboardPersistedState,
  HostToWebviewMessage,
  RunListStatus,
  RunSummary,
} from '../src/protocol/webview';
import { foldProgress, INITIAL_PROGRESS, type RunProgress } from '../src/protocol/progress';
import { diffConfigs, type ConfigDiffRow } from './configDiff';
import { appendPoint, EMPTY_SERIES, truncateAfter, type Series } from './series';
import type { SweepMessage } from '../src/protocol/webview';

/** Series keys of a training log; eval series use the metric's own key (eval_loss, ...). */
export const TRAIN_SERIES = ['loss', 'learning_rate', 'grad_norm'] as const;

/** The run's progress, folded by src/protocol/progress (as the run manager and CLI fold it). */
export type ProgressView = RunProgress;

export interface CheckpointView {
  step: number;
  path: string;
  isBest: boolean;
  time: number;
}

export interface MessageView {
  time: number;
  level: 'info' | 'warning' | 'error';
  text: string;
}

/** The generations of one evaluation. */
export type GenerationsView = Pick<GenerationsEvent, 'step' | 'epoch' | 'decoding' | 'samples'>;

export interface RunView {
  runId: string;
  /** The latest runStart: config, backend, dataset sizes, resume point. */
  start?: RunStartEvent;
  /** progress.status and progress.bestMetric, where the views read them. */
  status: RunListStatus;
  progress: ProgressView;
  /** step → value, per metric: loss, learning_rate, grad_norm, eval_* keys. */
  series: Readonly<Record<string, Series>>;
  /** Latest eval metrics and the step they were computed at. */
  lastEval?: { step: number; metrics: Readonly<Record<string, number>> };
  checkpoints: readonly CheckpointView[];
  bestMetric?: number;
  failure?: RunError;
  end?: RunEndEvent;
  messages: readonly MessageView[];
  /** Causal LMs: each evaluation's generations, by step. */
  generations: readonly GenerationsView[];
}

export type ConfigDiffView =
  | { runIds: [string, string]; rows: ConfigDiffRow[]; error?: undefined }
  | { runIds: [string, string]; rows?: undefined; error: string };

export interface DashboardState {
  runs: readonly RunSummary[];
  views: Readonly<Record<string, RunView>>;
  /** The run whose progress, checkpoints and failure are shown. */
  activeRunId?: string;
  /** Runs drawn on the charts; always includes the active run once there is one. */
  selectedRunIds: readonly string[];
  /** EMA weight in [0, 1). */
  smoothing: number;
  configDiff?: ConfigDiffView;
  initialized: boolean;
  /** Sweeps by folder, as the host last sent them. */
  sweeps: Readonly<Record<string, SweepView>>;
}

export type SweepView = Omit<SweepMessage, 'type'>;

/** Actions the UI dispatches through the same reducer. */
export type UiAction =
  | { type: 'ui.activateRun'; runId: string }
  | { type: 'ui.toggleRun'; runId: string; selected: boolean }
  | { type: 'ui.setSmoothing'; smoothing: number }
  | { type: 'ui.closeConfigDiff' }
  /** Draw these runs (a sweep's trials) on the charts, beside the active run. */
  | { type: 'ui.overlayRuns'; runIds: string[] };

export type StoreAction = HostToWebviewMessage | UiAction;

export const MAX_MESSAGES = 200;
/** Evaluations whose generations are kept per run (the oldest go first). */
export const MAX_GENERATION_STEPS = 500;

export function createInitialState(persisted?: DashboardPersistedState): DashboardState {
  return {
    runs: [],
    views: {},
    activeRunId: persisted?.activeRunId,
    selectedRunIds: persisted?.selectedRunIds ?? [],
    smoothing: persisted?.smoothing ?? 0.6,
    initialized: false,
    sweeps: {},
  };
}

export function persistedState(state: DashboardState): DashboardPersistedState {
  return { selectedRunIds: [...state.selectedRunIds], activeRunId: state.activeRunId, smoothing: state.smoothing };
}

export function emptyRunView(runId: string): RunView {
  return {
    runId,
    status: 'unknown',
    progress: INITIAL_PROGRESS,
    series: {},
    checkpoints: [],
    messages: [],
    generations: [],
  };
}

/** Adds one evaluation's generations in step order; a step seen again (after a resume) is replaced. */
function onGenerations(list: readonly GenerationsView[], e: GenerationsEvent): GenerationsView[] {
  const entry: GenerationsView = { step: e.step, epoch: e.epoch, decoding: e.decoding, samples: e.samples };
  const next = [...list.filter((g) => g.step !== e.step), entry].sort((a, b) => a.step - b.step);
  return next.length > MAX_GENERATION_STEPS ? next.slice(-MAX_GENERATION_STEPS) : next;
}

// ---- one run's events ----

function appendTo(series: Readonly<Record<string, Series>>, points: [string, number][], step: number): Record<string, Series> {
  const next = { ...series };
  for (const [key, value] of points) next[key] = appendPoint(next[key] ?? EMPTY_SERIES, step, value);
  return next;
}

function onCheckpoint(list: readonly CheckpointView[], e: CheckpointEvent): CheckpointView[] {
  const deleted = new Set(e.deleted);
  const kept = list
    .filter((c) => !deleted.has(c.path) && c.path !== e.path)
    .map((c) => (e.isBest && c.isBest ? { ...c, isBest: false } : c));
  kept.push({ step: e.step, path: e.path, isBest: e.isBest, time: e.time });
  return kept.sort((a, b) => a.step - b.step);
}

function markBest(list: readonly CheckpointView[], best: string | undefined): readonly CheckpointView[] {
  if (best === undefined || !list.some((c) => c.path === best)) return list;
  return list.map((c) => (c.isBest === (c.path === best) ? c : { ...c, isBest: c.path === best }));
}

export function reduceRunEvent(view: RunView, e: TrainerEvent): RunView {
  const next = reduceRunDetails(view, e);
  const progress = foldProgress(view.progress, e);
  if (progress === view.progress && next === view) return view;
  return { ...next, progress, status: progress.status, bestMetric: progress.bestMetric };
}

/** Everything but progress: series, checkpoints, messages, the failure. */
function reduceRunDetails(view: RunView, e: TrainerEvent): RunView {
  switch (e.type) {
    case 'runStart': {
      // A fresh start in the same run starts over; a resume keeps what came before its step.
      const base = e.resumedStep === undefined ? emptyRunView(view.runId) : view;
      const cut = e.resumedStep;
      const series =
        cut === undefined
          ? base.series
          : Object.fromEntries(Object.entries(base.series).map(([k, s]) => [k, truncateAfter(s, cut)]));
      const lastEval = base.lastEval && cut !== undefined && base.lastEval.step > cut ? undefined : base.lastEval;
      const generations = cut === undefined ? base.generations : base.generations.filter((g) => g.step <= cut);
      return { ...base, start: e, series, lastEval, generations, failure: undefined, end: undefined };
    }
    case 'log': {
      const points: [string, number][] = [
        ['loss', e.loss],
        ['learning_rate', e.learning_rate],
      ];
      if (e.grad_norm !== undefined) points.push(['grad_norm', e.grad_norm]);
      return { ...view, series: appendTo(view.series, points, e.step) };
    }
    case 'eval':
      return {
        ...view,
        series: appendTo(view.series, Object.entries(e.metrics), e.step),
        lastEval: { step: e.step, metrics: e.metrics },
      };
    case 'generations':
      return { ...view, generations: onGenerations(view.generations, e) };
    case 'checkpoint':
      return { ...view, checkpoints: onCheckpoint(view.checkpoints, e) };
    case 'progress':
    case 'download':
    case 'job':
      return view;
    case 'message': {
      // Debug details (e.g. backends `auto` skipped) belong in the Output channel, not the dashboard.
      if (e.level === 'debug') return view;
      const messages = [...view.messages, { time: e.time, level: e.level, text: e.text }];
      return { ...view, messages: messages.length > MAX_MESSAGES ? messages.slice(-MAX_MESSAGES) : messages };
    }
    case 'runEnd':
      return { ...view, end: e, failure: e.error, checkpoints: markBest(view.checkpoints, e.bestCheckpoint) };
  }
}

export function reduceRunEvents(view: RunView, events: readonly TrainerEvent[]): RunView {
  let v = view;
  for (const e of events) v = reduceRunEvent(v, e);
  return v;
}

// ---- whole dashboard ----

function withActive(state: DashboardState, activeRunId: string | undefined): DashboardState {
  if (activeRunId === undefined) return state;
  const selected = state.selectedRunIds.includes(activeRunId)
    ? state.selectedRunIds
    : [activeRunId, ...state.selectedRunIds];
  return { ...state, activeRunId, selectedRunIds: selected };
}

/** Picks the run to show when none is: a running one, else the most recently started. */
function defaultActive(runs: readonly RunSummary[]): string | undefined {
  const running = runs.find((r) => r.status === 'running');
  if (running) return running.id;
  let latest: RunSummary | undefined;
  for (const r of runs) if (!latest || r.startedAt > latest.startedAt) latest = r;
  return latest?.id;
}

function knownRun(state: DashboardState, runs: readonly RunSummary[], id: string | undefined): boolean {
  return id !== undefined && (runs.some((r) => r.id === id) || id in state.views);
}

export function reduce(state: DashboardState, action: StoreAction): DashboardState {
  switch (action.type) {
    case 'init': {
      const runs = action.runs;
      const keep = (id: string) => knownRun(state, runs, id);
      const base: DashboardState = {
        ...state,
        runs,
        initialized: true,
        selectedRunIds: state.selectedRunIds.filter(keep),
      };
      const active = [action.activeRunId, state.activeRunId].find((id) => knownRun(state, runs, id)) ?? defaultActive(runs);
      return withActive({ ...base, activeRunId: undefined }, active);
    }
    case 'runList': {
      const next = { ...state, runs: action.runs };
      return state.activeRunId === undefined ? withActive(next, defaultActive(action.runs)) : next;
    }
    case 'events': {
      const view = state.views[action.runId] ?? emptyRunView(action.runId);
      const next = { ...state, views: { ...state.views, [action.runId]: reduceRunEvents(view, action.events) } };
      return state.activeRunId === undefined ? withActive(next, action.runId) : next;
    }
    case 'runHistory': {
      const view = reduceRunEvents(emptyRunView(action.runId), action.events);
      const next = { ...state, views: { ...state.views, [action.runId]: view } };
      return state.activeRunId === undefined ? withActive(next, action.runId) : next;
    }
    case 'configDiff': {
      const configDiff: ConfigDiffView =
        action.configs !== undefined && action.error === undefined
          ? { runIds: action.runIds, rows: diffConfigs(action.configs[0], action.configs[1]) }
          : { runIds: action.runIds, error: action.error ?? 'No configs to compare.' };
      return { ...state, configDiff };
    }
    case 'sweep':
      return { ...state, sweeps: { ...state.sweeps, [action.sweepId]: { sweepId: action.sweepId, header: action.header, trials: action.trials } } };
    case 'ui.activateRun':
      return withActive(state, action.runId);
    case 'ui.toggleRun': {
      const has = state.selectedRunIds.includes(action.runId);
      if (has === action.selected) return state;
      // The active run stays on the charts.
      if (!action.selected && action.runId === state.activeRunId) return state;
      const selectedRunIds = action.selected
        ? [...state.selectedRunIds, action.runId]
        : state.selectedRunIds.filter((id) => id !== action.runId);
      return { ...state, selectedRunIds };
    }
    case 'ui.setSmoothing': {
      const smoothing = Math.min(0.999, Math.max(0, action.smoothing));
      return smoothing === state.smoothing ? state : { ...state, smoothing };
    }
    case 'ui.closeConfigDiff':
      return state.configDiff === undefined ? state : { ...state, configDiff: undefined };
    case 'ui.overlayRuns': {
      const selectedRunIds = [...new Set([...(state.activeRunId ? [state.activeRunId] : []), ...action.runIds])];
      return { ...state, selectedRunIds };
    }
  }
}

// ---- selectors ----

/** The run list: host summaries, plus runs known only from events, updated with live status. */
export function runRows(state: DashboardState): RunSummary[] {
  const rows = state.runs.map((r) => mergeSummary(r, state.views[r.id]));
  for (const view of Object.values(state.views)) {
    if (state.runs.some((r) => r.id === view.runId)) continue;
    rows.push(
      mergeSummary(
        {
          id: view.runId,
          name: view.start ? baseName(view.start.outputDir) : view.runId,
          outputDir: view.start?.outputDir ?? '',
          configPath: view.start?.configPath ?? '',
          status: 'unknown',
          lastStep: 0,
          totalSteps: 0,
          startedAt: view.start?.time ?? 0,
        },
        view,
      ),
    );
  }
  return rows;
}

function mergeSummary(summary: RunSummary, view: RunView | undefined): RunSummary {
  if (!view || view.start === undefined) return summary;
  return {
    ...summary,
    status: view.status,
    lastStep: view.progress.step,
    totalSteps: view.progress.totalSteps || summary.totalSteps,
    backend: view.start.backend,
    bestMetric: view.bestMetric ?? summary.bestMetric,
  };
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** Chartable metric keys of the selected runs, train ones first, then eval ones sorted. */
export function chartKeys(state: DashboardState): string[] {
  const keys = new Set<string>();
  for (const id of state.selectedRunIds) {
    const view = state.views[id];
    if (view) for (const [k, s] of Object.entries(view.series)) if (s.length > 0) keys.add(k);
  }
  const train = TRAIN_SERIES.filter((k) => keys.has(k));
  const others = [...keys].filter((k) => !(TRAIN_SERIES as readonly string[]).includes(k) && isChartableMetric(k)).sort();
  return [...train, ...others];
}

/** HF eval logs carry timing alongside metrics; those are not worth a chart. */
export function isChartableMetric(key: string): boolean {
  return !/(_runtime|_per_second)$/.test(key);
}
