/**
 * Exports of finished (or running) runs from their metrics.jsonl: one CSV/JSON table of every
 * logged value across runs, or TensorBoard event files, also for runs that had no `report_to`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TrainerEvent } from '../../protocol/events';
import { scalarTable, tableToCsv, tableToJson } from '../../protocol/scalar-table';
import { METRICS_FILE, readRunEvents, runDisplayName } from '../run-events';
import { defaultLogdirName } from './logging-dir';
import { TensorBoardSink } from './tensorboard-sink';

export interface RunToExport {
  dir: string;
  /** Unique among the runs exported together. */
  name: string;
  events: TrainerEvent[];
}

export type TableFormat = 'csv' | 'json';

/** Reads each run folder's metrics.jsonl; names are run names, made unique with the folder path where two agree. */
export async function loadRuns(dirs: readonly string[], cwd = process.cwd()): Promise<RunToExport[]> {
  const runs: RunToExport[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, METRICS_FILE))) {
      throw new Error(`${dir}: no ${METRICS_FILE} here; pass a run's output_dir (the folder that holds ${METRICS_FILE})`);
    }
    const events = await readRunEvents(dir);
    runs.push({ dir, name: runDisplayName(dir, events), events });
  }
  const counts = new Map<string, number>();
  for (const run of runs) counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
  return runs.map((run) => ((counts.get(run.name) ?? 0) > 1 ? { ...run, name: relative(cwd, run.dir) || run.name } : run));
}

export function exportTable(runs: readonly RunToExport[], format: TableFormat): string {
  const table = scalarTable(runs);
  return format === 'csv' ? tableToCsv(table) : tableToJson(table);
}

/**
 * HF's default folder for the run (`<dir>/runs/<start time>_<host>`), the one `report_to:
 * tensorboard` would have used, so `tensorboard --logdir <dir>/runs` finds it beside live ones.
 */
export function defaultExportLogDir(run: RunToExport): string {
  const start = run.events.find((e) => e.type === 'runStart');
  return join(run.dir, 'runs', defaultLogdirName(new Date(start?.time ?? Date.now())));
}

/** Replays the run's events into event files in `logDir`; refuses a folder that already has event files (values would show twice). */
export function exportTensorBoard(run: RunToExport, logDir: string): string[] {
  if (existsSync(logDir) && readdirSync(logDir).some((name) => name.startsWith('events.out.tfevents.'))) {
    throw new Error(`${logDir} already holds TensorBoard event files (the run's own, or an earlier export); remove them or pass another --out`);
  }
  if (!run.events.some((e) => e.type === 'runStart')) throw new Error(`${run.dir}: ${METRICS_FILE} has no runStart event, so there is nothing to export`);
  let failure: string | undefined;
  const sink = new TensorBoardSink({ logDir: () => logDir, onError: (message) => (failure ??= message) });
  for (const event of run.events) sink.emit(event);
  sink.close();
  if (failure) throw new Error(failure);
  return [...sink.files];
}
