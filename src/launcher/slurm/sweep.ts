/**
 * The Slurm target of `finetune-studio sweep`: every trial is a task of one job array with
 * `%parallel` concurrency; each task trains its trial's run directory. Progress comes from each
 * trial's metrics.jsonl on the shared filesystem, folded as the local target folds stdout, so
 * ASHA prunes alike (a pruned task gets INT through `scancel --batch --signal=INT <array>_<task>`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAsha, type CliCommand } from '../../sweep/local';
import { appendRecord, type SweepPlan } from '../../sweep/plan';
import type { TrialRecord } from '../../sweep/results';
import { TrialTracker } from '../../sweep/tracker';
import type { ResolvedSweep } from '../../sweep/validate';
import { ACTIVE_STATES, describeJobFailure, FAILED_STATES, SlurmJobs } from './job';
import { MetricsTail } from './metrics-tail';
import type { ClusterConfig } from './schema';
import { renderSbatchScript } from './script';

export interface SlurmSweepOptions {
  sweep: ResolvedSweep;
  plan: SweepPlan;
  parallel: number;
  log: (line: string) => void;
  signal?: AbortSignal;
  cluster?: ClusterConfig;
  cli?: CliCommand;
  jobs?: SlurmJobs;
  pollMs?: number;
}

const DEFAULT_CLUSTER: ClusterConfig = { setup: [], sbatch: [], signal_seconds: 120 };

export async function runSlurmSweep(options: SlurmSweepOptions): Promise<TrialRecord[]> {
  const { sweep, plan, log } = options;
  const jobs = options.jobs ?? new SlurmJobs();
  const cli = options.cli ?? { execPath: process.execPath, args: [...process.execArgv, process.argv[1]] };
  const asha = createAsha(sweep);
  const trackers = plan.trials.map((trial) => new TrialTracker(trial, sweep.objective, asha));
  const runnable = trackers.filter((t) => !t.finished);
  for (const t of trackers) if (t.finished) appendRecord(plan, t.record());
  if (runnable.length === 0) return trackers.map((t) => t.record());

  const scriptPath = join(plan.dir, 'sweep.sbatch');
  writeFileSync(
    scriptPath,
    renderSbatchScript({
      jobName: plan.name,
      runDirs: runnable.map((t) => t.trial.runDir),
      configPaths: runnable.map((t) => t.trial.configPath),
      logDir: plan.dir,
      command: [cli.execPath, ...cli.args],
      cluster: options.cluster ?? DEFAULT_CLUSTER,
    }),
  );
  const arrayArg = runnable.length > 1 ? [`--array=0-${runnable.length - 1}%${Math.max(1, options.parallel)}`] : [];
  const jobId = await jobs.submit(scriptPath, arrayArg);
  log(`submitted job array ${jobId} (${runnable.length} task(s), ${options.parallel} at a time): ${scriptPath}`);
  const taskId = (i: number) => (runnable.length > 1 ? `${jobId}_${i}` : jobId);
  runnable.forEach((t, i) => {
    t.jobId = taskId(i);
    appendRecord(plan, t.record());
  });
  options.signal?.addEventListener('abort', () => void jobs.stop(jobId).catch(() => undefined), { once: true });

  const tails = runnable.map((t) => new MetricsTail(join(t.trial.runDir, 'metrics.jsonl')));
  const done = runnable.map(() => false);
  for (;;) {
    const states = new Map((await jobs.states(jobId)).map((s) => [s.id, s]));
    for (const [i, tracker] of runnable.entries()) {
      if (done[i]) continue;
      for (const event of tails[i].read()) {
        const wasRunning = tracker.status === 'running';
        if (tracker.handle(event)) {
          log(`trial ${tracker.trial.index} ${tracker.reason ?? 'pruned'}`);
          await jobs.stop(taskId(i)).catch((error: unknown) => log(`could not stop ${taskId(i)}: ${(error as Error).message}`));
        }
        if (!wasRunning && tracker.status === 'running') appendRecord(plan, tracker.record());
      }
      // A trial is done when Slurm says its task ended: a preempted task reports a `stopped`
      // runEnd, is requeued, and starts (and reports) again.
      const state = states.get(taskId(i));
      const ended = state === undefined ? tracker.finished : !ACTIVE_STATES.has(state.state);
      if (!ended) continue;
      if (!tracker.finished && state) {
        const errFile = join(plan.dir, runnable.length > 1 ? `slurm-${jobId}_${i}.err` : `slurm-${jobId}.err`);
        tracker.fail(FAILED_STATES.has(state.state) || state.state === 'CANCELLED' ? describeJobFailure(state, errFile) : `Slurm task ${state.id} ended ${state.state} without reporting an end of training`);
      }
      if (!tracker.finished) continue;
      done[i] = true;
      appendRecord(plan, tracker.record());
      log(`trial ${tracker.trial.index} ${tracker.status}${tracker.best !== undefined ? `: best ${sweep.objective.key} ${tracker.best}` : ''}${tracker.status === 'failed' ? `: ${tracker.reason}` : ''}`);
    }
    if (done.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
  return trackers.map((t) => t.record());
}
