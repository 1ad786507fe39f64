/**
 * Past and present runs as the dashboard lists them, rebuilt from each run's metrics.jsonl.
 * No vscode import: the folder scan is the caller's.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseTrainerEventLine } from '../src/protocol/guards';
import type { RunStartEvent, TrainerEvent } from '../src/protocol/events';
import { foldProgressAll } from '../src/protocol/progress';
import type { RunListStatus, RunSummary } from '../src/protocol/webview';

export const METRICS_FILE = 'metrics.jsonl';

/** Every valid event in a metrics.jsonl; malformed lines (a torn last write) are skipped. */
export async function readRunEvents(outputDir: string): Promise<TrainerEvent[]> {
  const path = join(outputDir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const events: TrainerEvent[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const event = parseTrainerEventLine(line);
    if (event) events.push(event);
  }
  return events;
}

/** Summary of one run directory's events; `live` marks the run as running regardless of its file. */
export function summarizeRun(outputDir: string, events: readonly TrainerEvent[], live = false): RunSummary {
  const progress = foldProgressAll(events);
  const starts = events.filter((e): e is RunStartEvent => e.type === 'runStart');
  const latest = starts.at(-1);
  // A file whose last run has no runEnd: it crashed or is still being written by someone else.
  const status: RunListStatus = live ? 'running' : progress.status === 'running' ? 'unknown' : progress.status;
  return {
    id: outputDir,
    name: (latest && runName(latest.config)) ?? basename(outputDir),
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

function runName(config: unknown): string | undefined {
  const args = (config as { training_args?: { run_name?: unknown } } | undefined)?.training_args;
  return typeof args?.run_name === 'string' ? args.run_name : undefined;
}

/** The resolved config a run wrote (config.resolved.json), for the dashboard's config diff. */
export function readResolvedConfig(outputDir: string): unknown {
  return JSON.parse(readFileSync(join(outputDir, 'config.resolved.json'), 'utf8'));
}

/** The run folder of a metrics.jsonl path. */
export function runDirOf(metricsPath: string): string {
  return dirname(metricsPath);
}
