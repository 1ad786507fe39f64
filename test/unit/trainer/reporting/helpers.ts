/** Shared by the reporting tests: metrics.jsonl fixtures and what TensorBoard should hold for them. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainerEvent } from '../../../../src/protocol/events';

/**
 * What HF's TensorBoardCallback would write for these events, derived here independently of the
 * writer: `train/<key>` for each training log value, `eval/<name>` for each `eval_<name>`, and
 * `train/epoch` with both. Values as float32 (`simple_value`), times in seconds.
 */
export function expectedScalars(events: readonly TrainerEvent[]): Map<string, [number, number, number][]> {
  const byTag = new Map<string, [number, number, number][]>();
  const add = (tag: string, step: number, value: number, time: number) => {
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag)?.push([step, Math.fround(value), time / 1000]);
  };
  for (const event of events) {
    if (event.type === 'log') {
      for (const key of ['loss', 'learning_rate', 'grad_norm', 'samples_per_second', 'steps_per_second'] as const) {
        const value = event[key];
        if (value !== undefined) add(`train/${key}`, event.step, value, event.time);
      }
      add('train/epoch', event.step, event.epoch, event.time);
    } else if (event.type === 'eval') {
      for (const [key, value] of Object.entries(event.metrics)) add(`eval/${key.replace(/^eval_/, '')}`, event.step, value, event.time);
      add('train/epoch', event.step, event.epoch, event.time);
    }
  }
  return byTag;
}

const T0 = 1_790_000_000_000;

/** A small, complete run as metrics.jsonl holds it: start, two logs, an eval, the end. */
export function fixtureRun(options: { runName?: string; lr?: number; offset?: number } = {}): TrainerEvent[] {
  const t = T0 + (options.offset ?? 0);
  const lr = options.lr ?? 1e-3;
  return [
    {
      type: 'runStart', protocol: 1, runId: 'r', time: t, configPath: '/x/a.trainer.yaml', outputDir: '/x/out',
      config: { model: { architecture: 'mlp' }, training_args: { learning_rate: lr, ...(options.runName ? { run_name: options.runName } : {}) } },
      totalSteps: 4, numEpochs: 1, stepsPerEpoch: 4, trainExamples: 64, evalExamples: 16, backend: { name: 'cpu', device: 'CPU' },
    },
    { type: 'message', time: t + 1, level: 'info', text: 'hello' },
    { type: 'log', time: t + 1000, step: 2, epoch: 0.5, loss: 0.6931, learning_rate: lr, grad_norm: 1.25, samples_per_second: 32, steps_per_second: 2 },
    { type: 'progress', time: t + 1001, step: 2, totalSteps: 4, epoch: 0.5, eta: 1 },
    { type: 'log', time: t + 2000, step: 4, epoch: 1, loss: 0.5, learning_rate: 0, samples_per_second: 30.5, steps_per_second: 1.9 },
    { type: 'eval', time: t + 2500, step: 4, epoch: 1, metrics: { eval_loss: 0.45, eval_accuracy: 0.8125 } },
    { type: 'runEnd', time: t + 3000, status: 'completed', step: 4, epoch: 1, trainRuntime: 3 },
  ];
}

/** Writes events as a run folder's metrics.jsonl; returns the folder. */
export function writeRunDir(events: readonly TrainerEvent[], parent = mkdtempSync(join(tmpdir(), 'fts-export-')), name = 'run'): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return dir;
}
