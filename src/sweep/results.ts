/**
 * A sweep's results: one record per trial, written to `sweep.jsonl` as trials start and end (the
 * last record of a trial is its state), `sweep.csv` at the end, and the table the CLI prints.
 * No Node imports: the dashboard folds the same records.
 */
import type { JsonValue } from '../config/tree';

export type TrialStatus = 'pending' | 'running' | 'completed' | 'pruned' | 'stopped' | 'failed';

export interface SweepHeader {
  type: 'sweep';
  name: string;
  sweepFile: string;
  basePath: string;
  objective: { key: string; greaterIsBetter: boolean };
  parameters: string[];
  trials: number;
  target: 'local' | 'slurm';
  time: number;
}

export interface TrialRecord {
  type: 'trial';
  trial: number;
  /** The trial's run directory (absolute): an ordinary run, with metrics.jsonl and config.resolved.json. */
  runDir: string;
  params: Record<string, JsonValue>;
  status: TrialStatus;
  /** The best objective value seen in the trial's evaluations, and the step it was seen at. */
  best?: number;
  bestStep?: number;
  /** The last objective value and the last step reached. */
  last?: number;
  step?: number;
  /** Why the trial was pruned or failed. */
  reason?: string;
  /** Slurm job id (`<array>_<index>`) on the Slurm target. */
  jobId?: string;
  time: number;
}

export type SweepRecord = SweepHeader | TrialRecord;

export function isSweepRecord(value: unknown): value is SweepRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  if (record.type === 'sweep') return typeof record.name === 'string' && Array.isArray(record.parameters) && typeof record.objective === 'object' && record.objective !== null;
  if (record.type === 'trial') return typeof record.trial === 'number' && typeof record.runDir === 'string' && typeof record.status === 'string' && typeof record.params === 'object' && record.params !== null;
  return false;
}

export interface SweepState {
  header?: SweepHeader;
  trials: TrialRecord[];
}

/** Folds sweep.jsonl records: the header, and each trial's latest record, by trial number. */
export function foldSweepRecords(records: readonly SweepRecord[]): SweepState {
  const trials = new Map<number, TrialRecord>();
  let header: SweepHeader | undefined;
  for (const record of records) {
    if (record.type === 'sweep') header = record;
    else trials.set(record.trial, record);
  }
  return { header, trials: [...trials.values()].sort((a, b) => a.trial - b.trial) };
}

/** Reads sweep.jsonl text; lines that are not records (a torn last line) are skipped. */
export function parseSweepJsonl(text: string): SweepRecord[] {
  const records: SweepRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isSweepRecord(value)) records.push(value);
    } catch {
      // a line being written
    }
  }
  return records;
}

export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Rank: best objective first (by direction), trials without a value last. */
export function rankTrials(trials: readonly TrialRecord[], greaterIsBetter: boolean): TrialRecord[] {
  return [...trials].sort((a, b) => {
    if (a.best === undefined || b.best === undefined) return (a.best === undefined ? 1 : 0) - (b.best === undefined ? 1 : 0) || a.trial - b.trial;
    return (greaterIsBetter ? b.best - a.best : a.best - b.best) || a.trial - b.trial;
  });
}

function rows(state: SweepState): { columns: string[]; cells: string[][] } {
  const parameters = state.header?.parameters ?? [...new Set(state.trials.flatMap((t) => Object.keys(t.params)))];
  const objective = state.header?.objective.key ?? 'objective';
  const columns = ['trial', 'status', ...parameters, `best ${objective}`, 'step', 'run'];
  const ranked = rankTrials(state.trials, state.header?.objective.greaterIsBetter ?? false);
  const cells = ranked.map((t) => [String(t.trial), t.status, ...parameters.map((p) => formatValue(t.params[p])), formatValue(t.best), formatValue(t.step), t.runDir]);
  return { columns, cells };
}

/** The table printed at the end of `finetune-studio sweep`, best trial first. */
export function renderTable(state: SweepState): string {
  const { columns, cells } = rows(state);
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** sweep.csv: the same table, with full-precision numbers and the reason column. */
export function renderCsv(state: SweepState): string {
  const parameters = state.header?.parameters ?? [...new Set(state.trials.flatMap((t) => Object.keys(t.params)))];
  const header = ['trial', 'status', ...parameters, 'best', 'best_step', 'last', 'step', 'run_dir', 'reason'];
  const body = state.trials.map((t) =>
    [String(t.trial), t.status, ...parameters.map((p) => (t.params[p] === undefined ? '' : typeof t.params[p] === 'string' ? (t.params[p] as string) : JSON.stringify(t.params[p]))), t.best ?? '', t.bestStep ?? '', t.last ?? '', t.step ?? '', t.runDir, t.reason ?? '']
      .map((v) => csvCell(String(v)))
      .join(','),
  );
  return [header.map(csvCell).join(','), ...body].join('\n') + '\n';
}
