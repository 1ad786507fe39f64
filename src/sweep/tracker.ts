/**
 * Follows one trial's trainer events (from a child's --json stdout, or a run's metrics.jsonl on
 * a cluster): its best and last objective, its step, its end, and ASHA's verdict on each
 * evaluation. The same fold for both targets, so they prune alike.
 */
import type { TrainerEvent } from '../protocol/events';
import type { Asha } from './asha';
import type { TrialRecord, TrialStatus } from './results';
import type { PlannedTrial } from './plan';

export class TrialTracker {
  status: TrialStatus = 'pending';
  best?: number;
  bestStep?: number;
  last?: number;
  step?: number;
  totalSteps?: number;
  reason?: string;
  jobId?: string;
  /** Set when ASHA decided to stop this trial; the caller stops it, and its end becomes `pruned`. */
  pruneRequested = false;

  constructor(
    readonly trial: PlannedTrial,
    private readonly objective: { key: string; greaterIsBetter: boolean },
    private readonly asha: Asha | undefined,
  ) {
    if (trial.error) {
      this.status = 'failed';
      this.reason = trial.error;
    }
  }

  /** Folds one event; returns true when ASHA says to stop the trial now. */
  handle(event: TrainerEvent): boolean {
    switch (event.type) {
      case 'runStart':
        this.status = 'running';
        this.totalSteps = event.totalSteps;
        return false;
      case 'progress':
      case 'log':
        this.step = Math.max(this.step ?? 0, event.step);
        return false;
      case 'eval': {
        this.step = Math.max(this.step ?? 0, event.step);
        const value = event.metrics[this.objective.key];
        if (value === undefined) return false;
        this.last = value;
        if (this.best === undefined || (this.objective.greaterIsBetter ? value > this.best : value < this.best)) {
          this.best = value;
          this.bestStep = event.step;
        }
        if (!this.asha || this.pruneRequested) return false;
        const decision = this.asha.report(String(this.trial.index), event.step, value, this.totalSteps ?? Infinity);
        if (!decision.stop) return false;
        this.pruneRequested = true;
        this.reason = `pruned by ASHA: ${decision.reason ?? ''}`.trim();
        return true;
      }
      case 'runEnd':
        this.step = event.step;
        this.status = event.status === 'stopped' && this.pruneRequested ? 'pruned' : event.status;
        if (event.status === 'failed') this.reason = event.error?.message ?? 'the trainer failed';
        // A stop that arrived after the last step: the trial completed after all.
        if (event.status === 'completed') delete this.reason;
        return false;
      default:
        return false;
    }
  }

  /** The process ended without a runEnd (killed, crashed, never started). */
  fail(reason: string): void {
    if (this.status === 'completed' || this.status === 'pruned' || this.status === 'stopped' || this.status === 'failed') return;
    this.status = 'failed';
    this.reason = reason;
  }

  get finished(): boolean {
    return this.status === 'completed' || this.status === 'pruned' || this.status === 'stopped' || this.status === 'failed';
  }

  record(): TrialRecord {
    const t = this.trial;
    return {
      type: 'trial',
      trial: t.index,
      runDir: t.runDir,
      params: t.params,
      status: this.status,
      ...(this.best !== undefined ? { best: this.best, bestStep: this.bestStep } : {}),
      ...(this.last !== undefined ? { last: this.last } : {}),
      ...(this.step !== undefined ? { step: this.step } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.jobId ? { jobId: this.jobId } : {}),
      time: Date.now(),
    };
  }
}
