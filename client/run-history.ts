/**
 * Past and present runs as the dashboard lists them, rebuilt from each run's metrics.jsonl.
 * No vscode import: the folder scan is the caller's.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunStartEvent, TrainerEvent } from '../src/protocol/events';
import { foldProgressAll } from '../src/protocol/progress';
import type { RunListStatus, RunSummary } from '../src/protocol/webview';
import { configRunName } from '../src/trainer/run-events';

export { METRICS_FILE, readRunEvents } from '../src/trainer/run-events';

/** Summary of one run directory's events; `live` marks the run as running regardless of its file. */
export function summarizeRun(outputDir: string, events: readonly TrainerEvent[], live = false): RunSummary {
  const progress = foldProgressAll(events);
  const starts = events.filter((e): e is RunStartEvent => e.type === 'runStart');
  const latest = starts.at(-1);
  // A file whose last run has no runEnd: it crashed or is still being written by someone else.
  const status: RunListStatus = live ? 'running' : progress.status === 'running' ? 'unknown' : progress.status;
  return {
    id: outputDir,
    name: (latest && configRunName(latest.config)) ?? basename(outputDir),
    outputDir,
    configPath: latest?.configPath ?? '',
    status,
    lastStep: progress.step,
    totalSteps: progress.totalSteps,
    ...(progress.backend ? { backend: progress.backend } : {}),
    ...(progress.bestMetric !== undefined ? { bestMetric: progress.bestMetric } : {}),
    startedAt: starts[0]?.time ?? 0,
  };
}

/** The resolved config a run wrote (config.resolved.json), for the dashboard's config diff. */
export function readResolvedConfig(outputDir: string): unknown {
  return JSON.parse(readFileSync(join(outputDir, 'config.resolved.json'), 'utf8'));
}

/** The run folder of a metrics.jsonl path. */
export function runDirOf(metricsPath: string): string {
  return dirname(metricsPath);
}
