/**
 * From a validated sweep to its trials on disk: the sweep folder, one run directory per trial
 * with its trainer config (`trial.trainer.json`) and parameters (`trial.json`), and the header of
 * sweep.jsonl. Shared by the local and the Slurm targets.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatProblem } from '../config/problems';
import { validateConfigValue } from '../config/validate';
import { createNodeConfigHost } from '../cli/config-host';
import type { ResolvedSweep } from './validate';
import { gridTrials, randomTrials, type TrialParams } from './space';
import { trialConfig } from './trial-config';
import type { SweepHeader, TrialRecord } from './results';

export interface PlannedTrial {
  index: number;
  params: TrialParams;
  runDir: string;
  configPath: string;
  /** Set when the trial's config does not validate (a parameter combination the trainer refuses). */
  error?: string;
}

export interface SweepPlan {
  name: string;
  dir: string;
  jsonlPath: string;
  csvPath: string;
  trials: PlannedTrial[];
}

export const TRIAL_CONFIG_NAME = 'trial.trainer.json';

/** `runs/<name>` beside the sweep file unless `output_dir` says otherwise; name without `.sweep.yaml`. */
export function sweepName(fileName: string): string {
  return basename(fileName).replace(/\.sweep\.(ya?ml|json)$/i, '');
}

export function trialParams(sweep: ResolvedSweep): TrialParams[] {
  const { file, parameters } = sweep;
  return file.method === 'grid' ? gridTrials(parameters, file.trials ?? Infinity) : randomTrials(parameters, file.trials ?? 1, file.seed);
}

/** Creates the sweep folder and every trial's run directory and config; writes the sweep.jsonl header. */
export function planSweep(sweep: ResolvedSweep, target: SweepHeader['target']): SweepPlan {
  const name = sweepName(sweep.fileName);
  const dir = resolve(dirname(resolve(sweep.fileName)), sweep.file.output_dir ?? join('runs', name));
  mkdirSync(dir, { recursive: true });
  const host = createNodeConfigHost();
  const trials = trialParams(sweep).map((params, index): PlannedTrial => {
    const runDir = join(dir, `trial-${String(index).padStart(3, '0')}`);
    mkdirSync(runDir, { recursive: true });
    const config = trialConfig(sweep.base, dirname(sweep.basePath), params, runDir);
    const configPath = join(runDir, TRIAL_CONFIG_NAME);
    writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(runDir, 'trial.json'), JSON.stringify({ sweep: resolve(sweep.fileName), trial: index, params }, null, 2) + '\n');
    const errors = validateConfigValue(config, host, configPath).problems.filter((p) => p.severity === 'error');
    return { index, params, runDir, configPath, ...(errors.length ? { error: `this combination is not a valid config: ${errors.map(formatProblem).join('; ')}` } : {}) };
  });
  const plan: SweepPlan = { name, dir, jsonlPath: join(dir, 'sweep.jsonl'), csvPath: join(dir, 'sweep.csv'), trials };
  const header: SweepHeader = {
    type: 'sweep',
    name,
    sweepFile: resolve(sweep.fileName),
    basePath: sweep.basePath,
    objective: sweep.objective,
    parameters: sweep.parameters.map((p) => p.path),
    trials: trials.length,
    target,
    time: Date.now(),
  };
  writeFileSync(plan.jsonlPath, JSON.stringify(header) + '\n');
  return plan;
}

export function appendRecord(plan: SweepPlan, record: TrialRecord): void {
  appendFileSync(plan.jsonlPath, JSON.stringify(record) + '\n');
}
