/**
 * Messages between the extension host and the dashboard webview, declared once with their guards.
 * The host calls `isWebviewToHostMessage` on every message from the webview and drops the rest;
 * the webview calls `isHostToWebviewMessage` on every message from the host.
 *
 * Conversation:
 *   webview: ready                      (after load, and after a reload from a serializer)
 *   host:    init { runs, activeRunId }  then runHistory for the active run, then events batches
 *   webview: selectRuns { runIds }       (runs to show; host sends runHistory for those it has not)
 *   webview: rendered { runId, points }  after each chart render of new data
 *   webview: mergeAdapter { runId }      a completed LoRA run's Merge button (the host asks where to write)
 */
import type { BackendInfo, TrainerEvent } from './events';
import { isSweepRecord, type SweepHeader, type TrialRecord } from '../sweep/results';
import {
  isArrayOf,
  isBackendInfo,
  isNumber,
  isOneOf,
  isOptional,
  isRecord,
  isString,
  isTrainerEvent,
} from './guards';

/** Status of a run as the run list shows it. `unknown`: a run directory whose end was not recorded. */
export type RunListStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'unknown';
export const RUN_LIST_STATUSES = ['running', 'completed', 'stopped', 'failed', 'unknown'] as const;
export const isRunListStatus = isOneOf(RUN_LIST_STATUSES);

export interface RunSummary {
  /** Stable id the host uses for this run in every message (e.g. its output directory). */
  id: string;
  name: string;
  outputDir: string;
  configPath: string;
  status: RunListStatus;
  lastStep: number;
  totalSteps: number;
  backend?: BackendInfo;
  /** Value of metric_for_best_model at the best checkpoint. */
  bestMetric?: number;
  /** Epoch milliseconds. */
  startedAt: number;
}

export function isRunSummary(x: unknown): x is RunSummary {
  return (
    isRecord(x) &&
    isString(x.id) &&
    isString(x.name) &&
    isString(x.outputDir) &&
    isString(x.configPath) &&
    isRunListStatus(x.status) &&
    isNumber(x.lastStep) &&
    isNumber(x.totalSteps) &&
    isOptional(x.backend, isBackendInfo) &&
    isOptional(x.bestMetric, isNumber) &&
    isNumber(x.startedAt)
  );
}

// ---- host → webview ----

/** First message after `ready`: the known runs and which one to show. */
export interface InitMessage {
  type: 'init';
  runs: RunSummary[];
  activeRunId?: string;
}
/** Live events of one run, batched by the host (e.g. every 100 ms). */
export interface EventsMessage {
  type: 'events';
  runId: string;
  events: TrainerEvent[];
}
/** The run list changed (a run started, ended, or a run directory appeared). */
export interface RunListMessage {
  type: 'runList';
  runs: RunSummary[];
}
/** Every event of a run, read back from its metrics.jsonl; replaces what the webview had for it. */
export interface RunHistoryMessage {
  type: 'runHistory';
  runId: string;
  events: TrainerEvent[];
}
/**
 * Answer to requestConfigDiff: the two resolved configs (config.resolved.json) as they are; the
 * webview flattens and compares them. `error` instead when one could not be read.
 */
export interface ConfigDiffMessage {
  type: 'configDiff';
  runIds: [string, string];
  configs?: [unknown, unknown];
  error?: string;
}

/**
 * A sweep folded from its sweep.jsonl (the header and each trial's latest record); sent with
 * the run list, and again whenever the host sees the file change. Trials' run ids are their run dirs.
 */
export interface SweepMessage {
  type: 'sweep';
  /** The sweep folder. */
  sweepId: string;
  header: SweepHeader;
  trials: TrialRecord[];
}

export type HostToWebviewMessage =
  | SweepMessage
  | InitMessage
  | EventsMessage
  | RunListMessage
  | RunHistoryMessage
  | ConfigDiffMessage;

// ---- webview → host ----

export interface ReadyMessage {
  type: 'ready';
}
/**
 * Posted after each chart render that drew new data. `points`: the number of training-log steps
 * plotted for `runId` (the active run), so a test that fed N log events can wait for points === N.
 */
export interface RenderedMessage {
  type: 'rendered';
  runId?: string;
  points: number;
}
export type RunCommand = 'start' | 'startSlurm' | 'stop' | 'resume';
export const isRunCommand = isOneOf(['start', 'startSlurm', 'stop', 'resume'] as const);
/**
 * Start: configPath. StartSlurm: configPath, submitted to Slurm (a Slurm run's Start on Slurm).
 * Stop: runId. Resume: runId, configPath and the checkpoint to resume from.
 */
export interface CommandMessage {
  type: 'command';
  command: RunCommand;
  runId?: string;
  configPath?: string;
  checkpoint?: string;
}
/** Open a file at a 1-based line and column (a failure's location). */
export interface OpenLocationMessage {
  type: 'openLocation';
  file: string;
  line: number;
  column: number;
}
/** The runs the dashboard shows (active run first, then overlays). */
export interface SelectRunsMessage {
  type: 'selectRuns';
  runIds: string[];
}
export interface RequestConfigDiffMessage {
  type: 'requestConfigDiff';
  runIds: [string, string];
}

/** A chart drawn as a PNG, for the export. */
export interface ChartImage {
  /** The chart's metric key (`loss`, `eval_accuracy`); names the file. */
  metric: string;
  /** `data:image/png;base64,...` */
  png: string;
}
/** Export the selected runs: every logged value as one CSV table, and each chart as drawn. */
export interface ExportRunsMessage {
  type: 'exportRuns';
  runIds: string[];
  charts: ChartImage[];
}

/**
 * Merge a completed LoRA run's adapter into its base model (PEFT's merge_and_unload). The host
 * checks that the run is listed, completed, and its folder holds an adapter, then asks where to write.
 */
export interface MergeAdapterMessage {
  type: 'mergeAdapter';
  runId: string;
}

export type WebviewToHostMessage =
  | ReadyMessage
  | MergeAdapterMessage
  | RenderedMessage
  | CommandMessage
  | OpenLocationMessage
  | SelectRunsMessage
  | RequestConfigDiffMessage
  | ExportRunsMessage;

// ---- guards ----

type Fields = Readonly<Record<string, unknown>>;

function isStringPair(x: unknown): x is [string, string] {
  return Array.isArray(x) && x.length === 2 && isString(x[0]) && isString(x[1]);
}

const hostCheckers = {
  init: (x: Fields) => isArrayOf(x.runs, isRunSummary) && isOptional(x.activeRunId, isString),
  events: (x: Fields) => isString(x.runId) && isArrayOf(x.events, isTrainerEvent),
  runList: (x: Fields) => isArrayOf(x.runs, isRunSummary),
  runHistory: (x: Fields) => isString(x.runId) && isArrayOf(x.events, isTrainerEvent),
  sweep: (x: Fields) =>
    isString(x.sweepId) &&
    isSweepRecord(x.header) &&
    x.header.type === 'sweep' &&
    isArrayOf(x.trials, (t): t is TrialRecord => isSweepRecord(t) && t.type === 'trial'),
  configDiff: (x: Fields) =>
    isStringPair(x.runIds) &&
    (x.configs === undefined || (Array.isArray(x.configs) && x.configs.length === 2)) &&
    isOptional(x.error, isString),
} satisfies { [K in HostToWebviewMessage['type']]: (x: Fields) => boolean };

const webviewCheckers = {
  ready: () => true,
  rendered: (x: Fields) => isOptional(x.runId, isString) && isNumber(x.points),
  command: (x: Fields) =>
    isRunCommand(x.command) &&
    isOptional(x.runId, isString) &&
    isOptional(x.configPath, isString) &&
    isOptional(x.checkpoint, isString),
  openLocation: (x: Fields) =>
    isString(x.file) && x.file !== '' && isPositiveInt(x.line) && isPositiveInt(x.column),
  selectRuns: (x: Fields) => isArrayOf(x.runIds, isString),
  requestConfigDiff: (x: Fields) => isStringPair(x.runIds),
  exportRuns: (x: Fields) => isArrayOf(x.runIds, isString) && x.runIds.length > 0 && isArrayOf(x.charts, isChartImage),
  mergeAdapter: (x: Fields) => isString(x.runId) && x.runId !== '',
} satisfies { [K in WebviewToHostMessage['type']]: (x: Fields) => boolean };

/** A metric key is a file name here, so no separators, dots first or odd characters. */
const METRIC_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

function isChartImage(x: unknown): x is ChartImage {
  return isRecord(x) && isString(x.metric) && METRIC_KEY.test(x.metric) && isString(x.png) && PNG_DATA_URL.test(x.png);
}

function isPositiveInt(x: unknown): x is number {
  return isNumber(x) && Number.isInteger(x) && x >= 1;
}

export function isHostToWebviewMessage(x: unknown): x is HostToWebviewMessage {
  return isRecord(x) && isString(x.type) && Object.hasOwn(hostCheckers, x.type) && hostCheckers[x.type as HostToWebviewMessage['type']](x);
}

export function isWebviewToHostMessage(x: unknown): x is WebviewToHostMessage {
  return (
    isRecord(x) &&
    isString(x.type) &&
    Object.hasOwn(webviewCheckers, x.type) &&
    webviewCheckers[x.type as WebviewToHostMessage['type']](x)
  );
}

/** What the webview persists with setState, so a reloaded panel comes back as it was. */
export interface DashboardPersistedState {
  selectedRunIds: string[];
  activeRunId?: string;
  /** EMA weight in [0, 1), TensorBoard's smoothing slider. */
  smoothing: number;
}

export function isDashboardPersistedState(x: unknown): x is DashboardPersistedState {
  return (
    isRecord(x) &&
    isArrayOf(x.selectedRunIds, isString) &&
    isOptional(x.activeRunId, isString) &&
    isNumber(x.smoothing) &&
    x.smoothing >= 0 &&
    x.smoothing < 1
  );
}
