/**
 * One submitted Slurm job seen as a run: the trainer's events from its metrics.jsonl on the shared
 * filesystem, plus `job` events with what squeue/sacct say (state, pending reason, and at the end
 * the exit code and the tail of the job's stderr). The same shape as a local trainer process
 * (`event`, `log`, one `exit` with the run's end, `stop`), so the run manager treats both alike.
 *
 * A preempted job writes a `stopped` runEnd, is requeued and starts again: a trainer's runEnd is
 * held back until Slurm says the job ended, so only the job's real end ends the run.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { JobEvent, RunEndEvent, TrainerEvent } from '../../protocol/events';
import { ACTIVE_STATES, jobEndSummary, stderrTail, type JobState, type SlurmJobs } from './job';
import { MetricsTail } from './metrics-tail';

export interface SlurmRunWatchOptions {
  jobs: SlurmJobs;
  jobId: string;
  runDir: string;
  /** The job's stderr file (`slurm-<id>.err` in the run directory). */
  errFile: string;
  /** Where metrics.jsonl starts being news: a resubmitted run's earlier events are skipped. */
  metrics?: MetricsTail;
  /** The login node the commands run on, for the job events. */
  host?: string;
  pollMs?: number;
  /** A job still pending after this long gets a warning naming its reason (it is not cancelled). */
  pendingWarningMs?: number;
  /** How many squeue failures in a row end the watch (the job is then reported unknown). */
  maxPollFailures?: number;
}

interface WatchEvents {
  event: [TrainerEvent];
  log: [string];
  exit: [RunEndEvent];
}

export class SlurmRunWatch extends EventEmitter<WatchEvents> {
  readonly exited: Promise<RunEndEvent>;
  private readonly metrics: MetricsTail;
  private last?: JobState;
  private heldEnd?: RunEndEvent;
  private step = 0;
  private epoch = 0;
  private readonly startedAt = Date.now();
  private warnedPending = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private finished = false;
  private resolveExit!: (end: RunEndEvent) => void;

  constructor(private readonly options: SlurmRunWatchOptions) {
    super();
    this.metrics = options.metrics ?? new MetricsTail(join(options.runDir, 'metrics.jsonl'));
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    // First poll on the next turn, so listeners attached after construction see every event.
    this.timer = setTimeout(() => void this.poll(), 0);
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /**
   * Stop with a checkpoint: INT to the batch shell, which forwards it to the trainer; a job still
   * there after `graceMs` is cancelled outright.
   */
  async stop(graceMs = 60_000): Promise<RunEndEvent> {
    if (this.finished) return this.exited;
    const { jobs, jobId } = this.options;
    // A pending job has no batch shell to signal (scancel --batch retries for minutes) and
    // nothing to checkpoint: cancel it.
    if (this.last?.state === 'PENDING') {
      await jobs.cancel(jobId).catch((error: unknown) => this.emit('log', `scancel failed: ${(error as Error).message}`));
      return this.exited;
    }
    await jobs.stop(jobId).catch((error: unknown) => this.emit('log', `scancel --signal=INT failed: ${(error as Error).message}`));
    const kill = setTimeout(() => void jobs.cancel(jobId).catch((error: unknown) => this.emit('log', `scancel failed: ${(error as Error).message}`)), graceMs);
    return this.exited.finally(() => clearTimeout(kill));
  }

  /** Pause, continue and save-now reach a local trainer over IPC; a batch job has no such channel. */
  send(): boolean {
    return false;
  }

  /** Stops watching (the job goes on); the run ends as unknown to this window. */
  dispose(): void {
    clearTimeout(this.timer);
    this.finished = true;
  }

  private async poll(): Promise<void> {
    if (this.finished) return;
    let states: JobState[] | undefined;
    try {
      states = await this.options.jobs.states(this.options.jobId);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.emit('log', `squeue failed (${this.failures}): ${(error as Error).message}`);
      if (this.failures >= (this.options.maxPollFailures ?? 5)) {
        this.finish(this.failedEnd(`Lost track of Slurm job ${this.options.jobId}: ${(error as Error).message}`));
        return;
      }
    }
    this.forwardMetrics();
    if (states) this.onStates(states);
    if (!this.finished) this.timer = setTimeout(() => void this.poll(), this.options.pollMs ?? 1000);
  }

  private forwardMetrics(): void {
    for (const event of this.metrics.read()) {
      if (event.type === 'log' || event.type === 'progress' || event.type === 'runEnd') {
        this.step = event.step;
        this.epoch = event.epoch;
      }
      if (event.type === 'runStart') this.heldEnd = undefined;
      if (event.type === 'runEnd') this.heldEnd = event;
      else this.emit('event', event);
    }
  }

  private onStates(states: JobState[]): void {
    const state = states.find((s) => s.id === this.options.jobId) ?? states[0];
    if (!state) {
      // Neither squeue nor sacct knows it (purged after MinJobAge without accounting).
      if (this.heldEnd) this.finish(this.heldEnd);
      else if (this.last) this.finish(this.failedEnd(`Slurm job ${this.options.jobId} is no longer known to squeue or sacct and its trainer recorded no end (last state ${this.last.state}).`));
      return;
    }
    const active = ACTIVE_STATES.has(state.state);
    if (state.state !== this.last?.state || state.reason !== this.last?.reason || !active) {
      this.last = state;
      const ended = !active && state.state !== 'COMPLETED';
      const tail = ended ? stderrTail(this.options.errFile) : undefined;
      const event: JobEvent = {
        type: 'job',
        time: Date.now(),
        scheduler: 'slurm',
        jobId: state.id,
        state: state.state,
        active,
        ...(state.reason ? { reason: state.reason } : {}),
        ...(!active && state.exitCode !== undefined ? { exitCode: state.exitCode } : {}),
        ...(!active && state.signal ? { signal: state.signal } : {}),
        ...(this.options.host ? { host: this.options.host } : {}),
        ...(ended ? { stderrFile: this.options.errFile } : {}),
        ...(tail ? { stderrTail: tail } : {}),
      };
      this.emit('event', event);
    }
    if (state.state === 'PENDING' && !this.warnedPending && Date.now() - this.startedAt > (this.options.pendingWarningMs ?? 120_000)) {
      this.warnedPending = true;
      const waited = Math.round((Date.now() - this.startedAt) / 1000);
      this.emit('event', {
        type: 'message',
        time: Date.now(),
        level: 'warning',
        text: `Slurm job ${state.id} is still pending after ${waited} s (${state.reason ?? 'no reason given'}). Check the partition, gres, time and account in the cluster file (squeue -j ${state.id}), or stop it.`,
      });
    }
    if (active) return;
    // The job ended: whatever the trainer wrote last, then its end.
    this.forwardMetrics();
    const trainerEnd = this.heldEnd;
    if (state.state === 'COMPLETED' && trainerEnd) this.finish(trainerEnd);
    else if (trainerEnd && trainerEnd.status !== 'completed') this.finish(trainerEnd);
    else this.finish(this.failedEnd(`${jobEndSummary(state)} See ${this.options.errFile}.`));
  }

  private failedEnd(message: string): RunEndEvent {
    return { type: 'runEnd', time: Date.now(), status: 'failed', step: this.step, epoch: this.epoch, trainRuntime: (Date.now() - this.startedAt) / 1000, error: { message } };
  }

  private finish(end: RunEndEvent): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.emit('event', end);
    this.emit('exit', end);
    this.resolveExit(end);
  }
}
