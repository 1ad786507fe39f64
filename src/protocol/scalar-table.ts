/**
 * Every logged value of one or more runs in one table (run, step, epoch, wall time, one column per
 * metric), one row per logged entry as in HF's `log_history`, and its CSV and JSON forms.
 */
import type { TrainerEvent } from './events';
import { loggedEntry } from './logged-values';

export interface RunEvents {
  /** The run's name in the `run` column. */
  name: string;
  events: readonly TrainerEvent[];
}

export type Cell = string | number | null;

export interface ScalarTable {
  columns: string[];
  rows: Cell[][];
}

export const FIXED_COLUMNS = ['run', 'step', 'epoch', 'wall_time'] as const;

/** Rows in each run's order of logging; metric columns training keys first, then evaluation keys, each in first-seen order. */
export function scalarTable(runs: readonly RunEvents[]): ScalarTable {
  const entries = runs.flatMap((run) => run.events.flatMap((event) => {
    const entry = loggedEntry(event);
    return entry ? [{ run: run.name, entry }] : [];
  }));
  const trainKeys = new Set<string>();
  const evalKeys = new Set<string>();
  for (const { entry } of entries) for (const key of Object.keys(entry.values)) (entry.kind === 'eval' ? evalKeys : trainKeys).add(key);
  const metricColumns = [...trainKeys, ...[...evalKeys].filter((k) => !trainKeys.has(k))];
  const rows = entries.map(({ run, entry }): Cell[] => [
    run,
    entry.step,
    entry.epoch,
    entry.time / 1000,
    ...metricColumns.map((key) => entry.values[key] ?? null),
  ]);
  return { columns: [...FIXED_COLUMNS, ...metricColumns], rows };
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** RFC 4180 CSV with a header row; empty cells where an entry did not log that value. */
export function tableToCsv(table: ScalarTable): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A JSON array of row objects; values an entry did not log are left out. */
export function tableToJson(table: ScalarTable): string {
  const objects = table.rows.map((row) => Object.fromEntries(row.flatMap((cell, i) => (cell === null ? [] : [[table.columns[i], cell]]))));
  return JSON.stringify(objects, null, 2) + '\n';
}
