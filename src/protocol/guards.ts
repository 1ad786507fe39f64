/**
 * Runtime validation of the trainer event protocol (events.ts). Every consumer that reads events
 * from outside the type system (a child process's stdout, metrics.jsonl, a webview message) checks
 * them here first. Hand-written, dependency-free guards: one per type in events.ts, in the same
 * order, and test/unit/protocol/guards.test.ts feeds each one valid and malformed variants.
 * Extra unknown fields are accepted so an older reader tolerates a newer writer.
 */
import type {
  BackendInfo,
  CheckpointEvent,
  ControlMessage,
  DownloadEvent,
  EvalEvent,
  GenerationSample,
  GpuAdapterSummary,
  GenerationsEvent,
  JobEvent,
  LogEvent,
  LogMessageEvent,
  ProgressEvent,
  RunEndEvent,
  RunError,
  RunStartEvent,
  SourceLocation,
  TrainerEvent,
  TrainerEventType,
} from './events';
import type { RunModelInfo } from './parameters';

// ---- primitive checks, shared with webview.ts ----

export type Fields = Readonly<Record<string, unknown>>;

export function isRecord(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
/** Any JS number, NaN and ±Infinity included: a diverged loss is still a loss. */
export function isNumber(x: unknown): x is number {
  return typeof x === 'number';
}
export function isString(x: unknown): x is string {
  return typeof x === 'string';
}
export function isBoolean(x: unknown): x is boolean {
  return typeof x === 'boolean';
}
export function isOptional<T>(x: unknown, check: (v: unknown) => v is T): x is T | undefined {
  return x === undefined || check(x);
}
export function isArrayOf<T>(x: unknown, check: (v: unknown) => v is T): x is T[] {
  return Array.isArray(x) && x.every((v) => check(v));
}
export function isOneOf<const T extends readonly string[]>(values: T): (x: unknown) => x is T[number] {
  return (x: unknown): x is T[number] => typeof x === 'string' && values.includes(x);
}
export function isNumberRecord(x: unknown): x is Record<string, number> {
  return isRecord(x) && Object.values(x).every(isNumber);
}

// ---- events.ts types ----

export function isSourceLocation(x: unknown): x is SourceLocation {
  return isRecord(x) && isString(x.file) && isNumber(x.line) && isNumber(x.column);
}

export function isBackendInfo(x: unknown): x is BackendInfo {
  return (
    isRecord(x) &&
    isString(x.name) &&
    isString(x.device) &&
    isOptional(x.simd, isBoolean) &&
    isOptional(x.threads, isNumber) &&
    isOptional(x.kernels, isString) &&
    isOptional(x.adapter, isGpuAdapterSummary)
  );
}

function isGpuAdapterSummary(x: unknown): x is GpuAdapterSummary {
  if (!isRecord(x) || !isString(x.name) || !isString(x.vendor) || !isString(x.architecture) || !isOptional(x.backend, isString) || !isBoolean(x.software)) return false;
  const limits = x.limits;
  return isRecord(limits) && isNumber(limits.maxBufferSize) && isNumber(limits.maxStorageBufferBindingSize) && isNumber(limits.maxComputeWorkgroupStorageSize);
}

function isRunModelInfo(x: unknown): x is RunModelInfo {
  if (!isRecord(x) || !isString(x.name) || !isNumber(x.parameters) || !isNumber(x.trainableParameters)) return false;
  const adapter = x.adapter;
  return (
    adapter === undefined ||
    (isRecord(adapter) && adapter.peftType === 'LORA' && isNumber(adapter.r) && isNumber(adapter.loraAlpha) && Array.isArray(adapter.targets) && adapter.targets.every(isString))
  );
}

function isRunStart(x: Fields): x is Fields & RunStartEvent {
  return (
    isNumber(x.protocol) &&
    isString(x.runId) &&
    isNumber(x.time) &&
    isString(x.configPath) &&
    isString(x.outputDir) &&
    'config' in x &&
    isNumber(x.totalSteps) &&
    isNumber(x.numEpochs) &&
    isNumber(x.stepsPerEpoch) &&
    isNumber(x.trainExamples) &&
    isNumber(x.evalExamples) &&
    isBackendInfo(x.backend) &&
    isOptional(x.model, isRunModelInfo) &&
    isOptional(x.resumedFrom, isString) &&
    isOptional(x.resumedStep, isNumber)
  );
}

function isLog(x: Fields): x is Fields & LogEvent {
  return (
    isNumber(x.time) &&
    isNumber(x.step) &&
    isNumber(x.epoch) &&
    isNumber(x.loss) &&
    isNumber(x.learning_rate) &&
    isOptional(x.grad_norm, isNumber) &&
    isNumber(x.samples_per_second) &&
    isNumber(x.steps_per_second)
  );
}

function isEval(x: Fields): x is Fields & EvalEvent {
  return isNumber(x.time) && isNumber(x.step) && isNumber(x.epoch) && isNumberRecord(x.metrics);
}

const isFinishReason = isOneOf(['eos', 'length'] as const);

export function isGenerationSample(x: unknown): x is GenerationSample {
  return (
    isRecord(x) &&
    isString(x.prompt) &&
    isString(x.completion) &&
    isArrayOf(x.tokens, (t): t is number => isNumber(t) && Number.isInteger(t) && t >= 0) &&
    isFinishReason(x.finish)
  );
}

function isGenerations(x: Fields): x is Fields & GenerationsEvent {
  return (
    isNumber(x.time) &&
    isNumber(x.step) &&
    isNumber(x.epoch) &&
    isString(x.decoding) &&
    isArrayOf(x.samples, isGenerationSample)
  );
}

function isCheckpoint(x: Fields): x is Fields & CheckpointEvent {
  return (
    isNumber(x.time) &&
    isNumber(x.step) &&
    isString(x.path) &&
    isBoolean(x.isBest) &&
    isArrayOf(x.deleted, isString)
  );
}

function isProgress(x: Fields): x is Fields & ProgressEvent {
  return (
    isNumber(x.time) && isNumber(x.step) && isNumber(x.totalSteps) && isNumber(x.epoch) && isNumber(x.eta)
  );
}

const isMessageLevel = isOneOf(['debug', 'info', 'warning', 'error'] as const);

function isMessage(x: Fields): x is Fields & LogMessageEvent {
  return isNumber(x.time) && isMessageLevel(x.level) && isString(x.text);
}

function isDownload(x: Fields): x is Fields & DownloadEvent {
  return (
    isNumber(x.time) &&
    isString(x.model) &&
    isString(x.file) &&
    isNumber(x.bytes) &&
    isNumber(x.total) &&
    isNumber(x.rate) &&
    isOptional(x.eta, isNumber) &&
    isBoolean(x.done)
  );
}

export const isRunStatus = isOneOf(['completed', 'stopped', 'failed'] as const);

export function isRunError(x: unknown): x is RunError {
  return (
    isRecord(x) &&
    isString(x.message) &&
    isOptional(x.location, isSourceLocation) &&
    isOptional(x.stack, isString)
  );
}

function isRunEnd(x: Fields): x is Fields & RunEndEvent {
  return (
    isNumber(x.time) &&
    isRunStatus(x.status) &&
    isNumber(x.step) &&
    isNumber(x.epoch) &&
    isOptional(x.error, isRunError) &&
    isOptional(x.checkpoint, isString) &&
    isOptional(x.bestCheckpoint, isString) &&
    isOptional(x.bestMetric, isNumber) &&
    isNumber(x.trainRuntime)
  );
}

function isJob(x: Fields): x is Fields & JobEvent {
  return (
    isNumber(x.time) &&
    x.scheduler === 'slurm' &&
    isString(x.jobId) &&
    isString(x.state) &&
    isBoolean(x.active) &&
    isOptional(x.reason, isString) &&
    isOptional(x.exitCode, isNumber) &&
    isOptional(x.signal, isNumber) &&
    isOptional(x.host, isString) &&
    isOptional(x.stderrFile, isString) &&
    isOptional(x.stderrTail, (v): v is string[] => isArrayOf(v, isString))
  );
}

/**
 * One checker per event type. `satisfies` makes adding a type to TrainerEvent without a guard
 * here a compile error.
 */
const eventCheckers = {
  runStart: isRunStart,
  log: isLog,
  eval: isEval,
  generations: isGenerations,
  checkpoint: isCheckpoint,
  progress: isProgress,
  message: isMessage,
  download: isDownload,
  runEnd: isRunEnd,
  job: isJob,
} satisfies { [K in TrainerEventType]: (x: Fields) => boolean };

export const TRAINER_EVENT_TYPES = Object.keys(eventCheckers) as TrainerEventType[];

export function isTrainerEvent(x: unknown): x is TrainerEvent {
  if (!isRecord(x) || !isString(x.type) || !Object.hasOwn(eventCheckers, x.type)) return false;
  return eventCheckers[x.type as TrainerEventType](x);
}

/**
 * Parses one line of metrics.jsonl (or of a trainer's stdout event stream). Returns undefined for
 * blank lines, invalid JSON and anything not a TrainerEvent. A line torn by a full disk or a kill
 * may have the next event glued onto it (older writers did not start a new line): that event,
 * from its `{"type":` on, is recovered.
 */
export function parseTrainerEventLine(line: string): TrainerEvent | undefined {
  const text = line.trim();
  if (text === '') return undefined;
  const whole = parseEvent(text);
  if (whole !== undefined || !text.startsWith('{')) return whole;
  for (let at = text.indexOf(EVENT_START, 1); at > 0; at = text.indexOf(EVENT_START, at + 1)) {
    const glued = parseEvent(text.slice(at));
    if (glued) return glued;
  }
  return undefined;
}

/** How every event line begins: JSON.stringify of an event object, whose first key is `type`. */
const EVENT_START = '{"type":';

function parseEvent(text: string): TrainerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isTrainerEvent(value) ? value : undefined;
}

const controlTypes = {
  stop: true,
  pause: true,
  resume: true,
  save: true,
} satisfies { [K in ControlMessage['type']]: true };

export function isControlMessage(x: unknown): x is ControlMessage {
  return isRecord(x) && isString(x.type) && Object.hasOwn(controlTypes, x.type);
}
