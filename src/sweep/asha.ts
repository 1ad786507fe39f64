/**
 * Asynchronous Successive Halving (ASHA; Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020, arXiv:1810.05934, Algorithm 2), as an early-stopping rule.
 *
 * Rung k sits at `minSteps * eta^k` optimizer steps. The paper promotes a configuration out of
 * rung k when it is among the top floor(n_k / eta) of the n_k configurations that have reached
 * rung k. Here trials run continuously, so "not promoted" means "stopped": when a trial reaches
 * rung k, its objective there is recorded, and it continues only if it ranks within the top
 * floor(n_k / eta) of the values recorded at that rung so far, itself included.
 *
 * One difference from the paper, because a stopped trial cannot wait: while fewer than eta trials
 * have reached a rung (floor(n_k / eta) = 0), the paper would leave the trial unpromoted until
 * more arrive; we let a trial continue if it is the best so far at that rung (top max(1, ...)),
 * as Optuna's SuccessiveHalvingPruner does. Rungs at or past a trial's last step do not stop it:
 * nothing is saved by stopping a trial that is finishing.
 */

export interface AshaOptions {
  minSteps: number;
  reductionFactor: number;
  greaterIsBetter: boolean;
}

export interface AshaDecision {
  stop: boolean;
  /** The rung that decided (the last one reached by this report), if any. */
  rung?: number;
  /** Why, for logs: "rank 3 of 4 at rung 1 (step 6); top 1 continue". */
  reason?: string;
}

export class Asha {
  /** rung index -> trial id -> objective recorded there. */
  private readonly rungs = new Map<number, Map<string, number>>();
  /** trial id -> the next rung it has not reached yet. */
  private readonly nextRung = new Map<string, number>();

  constructor(private readonly options: AshaOptions) {}

  rungStep(rung: number): number {
    return this.options.minSteps * this.options.reductionFactor ** rung;
  }

  /**
   * An evaluation of `trial` at `step` gave `value`. Records it at every rung the trial has just
   * reached and says whether to stop the trial. `lastStep` is the trial's final step.
   */
  report(trial: string, step: number, value: number, lastStep: number): AshaDecision {
    if (!Number.isFinite(value)) return { stop: true, reason: `objective is ${value}` };
    let rung = this.nextRung.get(trial) ?? 0;
    let decision: AshaDecision = { stop: false };
    while (this.rungStep(rung) <= step && this.rungStep(rung) < lastStep) {
      const recorded = this.rungs.get(rung) ?? new Map<string, number>();
      this.rungs.set(rung, recorded);
      recorded.set(trial, value);
      const values = [...recorded.values()];
      const better = values.filter((v) => (this.options.greaterIsBetter ? v > value : v < value)).length;
      const keep = Math.max(1, Math.floor(values.length / this.options.reductionFactor));
      const reason = `rank ${better + 1} of ${values.length} at rung ${rung} (step ${this.rungStep(rung)}); top ${keep} continue`;
      decision = { stop: better >= keep, rung, reason };
      rung++;
      if (decision.stop) break;
    }
    this.nextRung.set(trial, rung);
    return decision;
  }

  /** Values recorded at a rung, for tests and reports. */
  recorded(rung: number): ReadonlyMap<string, number> {
    return this.rungs.get(rung) ?? new Map();
  }
}
