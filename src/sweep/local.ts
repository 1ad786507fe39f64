/**
 * The local target: each trial is a child trainer process (`finetune-studio train <trial config>
 * --json`, argument arrays), at most `parallel` at once. ASHA stops a trial with SIGINT, as Ctrl-C
 * does: the trainer writes a checkpoint and exits, and the trial ends `pruned`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isTrainerEvent } from '../protocol/guards';
import { Asha } from './asha';
import { appendRecord, type PlannedTrial, type SweepPlan } from './plan';
import type { TrialRecord } from './results';
import { TrialTracker } from './tracker';
import type { ResolvedSweep } from './validate';

/** How to start the CLI in a child: node, its flags (tsx when run from source) and the CLI module. */
export interface CliCommand {
  execPath: string;
  args: string[];
}

export interface LocalSweepOptions {
  sweep: ResolvedSweep;
  plan: SweepPlan;
  parallel: number;
  cli: CliCommand;
  /** Progress lines for the terminal. */
  log: (line: string) => void;
  /** Aborting stops every running trial (with a checkpoint) and starts no more. */
  signal?: AbortSignal;
}

export function createAsha(sweep: ResolvedSweep): Asha | undefined {
  const early = sweep.file.early_termination;
  return early ? new Asha({ minSteps: early.min_steps, reductionFactor: early.reduction_factor, greaterIsBetter: sweep.objective.greaterIsBetter }) : undefined;
}

export async function runLocalSweep(options: LocalSweepOptions): Promise<TrialRecord[]> {
  const { sweep, plan, cli, log, signal } = options;
  const asha = createAsha(sweep);
  const trackers = plan.trials.map((trial) => new TrialTracker(trial, sweep.objective, asha));
  const queue = trackers.filter((t) => !t.finished);
  for (const t of trackers) if (t.finished) appendRecord(plan, t.record());
  const running = new Set<() => void>();
  signal?.addEventListener('abort', () => running.forEach((stop) => stop()), { once: true });

  const runOne = (tracker: TrialTracker) =>
    new Promise<void>((done) => {
      const trial: PlannedTrial = tracker.trial;
      const child = spawn(cli.execPath, [...cli.args, 'train', trial.configPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const stderr: string[] = [];
      const stop = () => child.kill('SIGINT');
      running.add(stop);
      tracker.status = 'running';
      appendRecord(plan, tracker.record());
      log(`trial ${trial.index} started: ${Object.entries(trial.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
      createInterface({ input: child.stdout }).on('line', (line) => {
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          return;
        }
        if (!isTrainerEvent(event)) return;
        if (tracker.handle(event)) {
          log(`trial ${trial.index} ${tracker.reason ?? 'pruned'}`);
          stop();
        }
      });
      createInterface({ input: child.stderr }).on('line', (line) => {
        stderr.push(line);
        if (stderr.length > 20) stderr.shift();
      });
      child.on('error', (error) => stderr.push(error.message));
      child.on('close', (code, sig) => {
        running.delete(stop);
        tracker.fail(`the trainer exited (${sig ?? `code ${code}`}) without reporting an end: ${stderr.join('\n') || 'no output'}`);
        if (signal?.aborted && tracker.status === 'stopped') tracker.reason = 'the sweep was interrupted';
        appendRecord(plan, tracker.record());
        log(`trial ${trial.index} ${tracker.status}${tracker.best !== undefined ? `: best ${sweep.objective.key} ${tracker.best}` : ''}${tracker.status === 'failed' ? `: ${tracker.reason}` : ''}`);
        done();
      });
    });

  const worker = async () => {
    for (let next = queue.shift(); next && !signal?.aborted; next = queue.shift()) await runOne(next);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, queue.length)) }, worker));
  for (const t of queue) {
    t.status = 'stopped';
    t.reason = 'not started: the sweep was interrupted';
    appendRecord(plan, t.record());
  }
  return trackers.map((t) => t.record());
}
