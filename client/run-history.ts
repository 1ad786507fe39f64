/**
 * Past and present runs as the dashboard lists them, rebuilt from each run's metrics.jsonl.
 * No vscode import: the folder scan is the caller's.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseTrainerEventLine } from '../src/protocol/guards';
import type { TrainerEvent } from '../src/protocol/events';
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
  let summary: RunSummary = {
    id: outputDir,
    name: basename(outputDir),
    outputDir,
    configPath: '',
    status: live ? 'running' : 'unknown',
    lastStep: 0,
    totalSteps: 0,
    startedAt: 0,
  };
  for (const event of events) {
    switch (event.type) {
      case 'runStart':
        summary = {
          ...summary,
          configPath: event.configPath,
          totalSteps: event.totalSteps,
          backend: event.backend,
          startedAt: summary.startedAt || event.time,
          status: live ? 'running' : 'unknown',
          name: runName(event.config) ?? summary.name,
        };
        break;
      case 'log':
      case 'progress':
        summary.lastStep = Math.max(summary.lastStep, event.step);
        break;
      case 'runEnd':
        summary.lastStep = Math.max(summary.lastStep, event.step);
        if (!live) summary.status = event.status as RunListStatus;
        if (event.bestMetric !== undefined) summary.bestMetric = event.bestMetric;
        break;
      default:
        break;
    }
  }
  return summary;
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
