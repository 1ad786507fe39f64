/**
 * The values a run logged, as Hugging Face names them in `log_history` (`loss`, `learning_rate`,
 * `eval_accuracy`, ...), read from trainer events. TensorBoard reporting and the CSV/JSON export
 * both take their numbers from here, so they agree with metrics.jsonl value for value.
 */
import type { TrainerEvent } from './events';

export interface LoggedEntry {
  kind: 'train' | 'eval';
  step: number;
  epoch: number;
  /** Milliseconds since the epoch, when the event was emitted. */
  time: number;
  /** HF log keys; finite numbers only. */
  values: Record<string, number>;
}

const NOT_VALUES = new Set(['type', 'time', 'step', 'epoch']);

/** The logged entry of a `log` or `eval` event; undefined for every other event. */
export function loggedEntry(event: TrainerEvent): LoggedEntry | undefined {
  if (event.type !== 'log' && event.type !== 'eval') return undefined;
  const source: object = event.type === 'log' ? event : event.metrics;
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(source) as [string, unknown][]) {
    if (!NOT_VALUES.has(key) && typeof value === 'number' && Number.isFinite(value)) values[key] = value;
  }
  return { kind: event.type === 'log' ? 'train' : 'eval', step: event.step, epoch: event.epoch, time: event.time, values };
}

/**
 * HF's `rewrite_logs` (transformers/integrations/integration_utils.py), which names TensorBoard
 * tags: `eval_x` -> `eval/x`, `test_x` -> `test/x`, anything else -> `train/x`.
 */
export function tensorBoardTag(key: string): string {
  if (key.startsWith('eval_')) return `eval/${key.slice('eval_'.length)}`;
  if (key.startsWith('test_')) return `test/${key.slice('test_'.length)}`;
  return `train/${key}`;
}

/**
 * The (tag, value) pairs HF's TensorBoardCallback writes for one entry: every value, and `epoch`
 * (HF's `Trainer.log` adds it to training and evaluation logs alike, so it becomes `train/epoch`).
 */
export function tensorBoardScalars(entry: LoggedEntry): [tag: string, value: number][] {
  const scalars = Object.entries(entry.values).map(([key, value]): [string, number] => [tensorBoardTag(key), value]);
  if (Number.isFinite(entry.epoch)) scalars.push(['train/epoch', entry.epoch]);
  return scalars;
}
