/**
 * A run folder's metrics.jsonl, read back: the dashboard's history, `finetune-studio export`, and
 * TensorBoard event files rebuilt for runs that had no `report_to`.
 */
import { createReadStream, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TrainerEvent } from '../protocol/events';
import { parseTrainerEventLine } from '../protocol/guards';

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

/** `training_args.run_name` of a resolved config, if it sets one. */
export function configRunName(config: unknown): string | undefined {
  const args = (config as { training_args?: { run_name?: unknown } } | undefined)?.training_args;
  return typeof args?.run_name === 'string' ? args.run_name : undefined;
}

/** The name a run is shown under: its last `run_name`, else its folder name. */
export function runDisplayName(outputDir: string, events: readonly TrainerEvent[]): string {
  let name: string | undefined;
  for (const event of events) if (event.type === 'runStart') name = configRunName(event.config) ?? name;
  return name ?? basename(outputDir);
}
