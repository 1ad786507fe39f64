/**
 * Times a training loop unit by unit: a warm-up (at least `warmupUnits` units and `warmupMs`), then
 * tick-to-tick intervals for `budgetMs` (and at least `minUnits` intervals). A unit is one step on
 * synchronous backends, a few steps closed by a read on asynchronous ones.
 */
export interface ClockOptions {
  warmupMs: number;
  budgetMs: number;
  warmupUnits?: number;
  minUnits?: number;
}

/** User + system CPU time of this process, in milliseconds (all its threads, GC included). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export class StepClock {
  private readonly times: number[] = [];
  private readonly cpuTimes: number[] = [];
  private readonly start = performance.now();
  private last = this.start;
  private lastCpu = cpuMs();
  private units = 0;
  private timedSince: number | undefined;

  constructor(private readonly options: ClockOptions) {}

  /** Marks the end of a unit; returns false once the budget is spent. */
  tick(): boolean {
    const now = performance.now();
    const cpu = cpuMs();
    this.units += 1;
    if (this.timedSince === undefined) {
      const warm = this.units >= (this.options.warmupUnits ?? 3) && now - this.start >= this.options.warmupMs;
      if (warm) this.timedSince = now;
    } else {
      this.times.push(now - this.last);
      this.cpuTimes.push(cpu - this.lastCpu);
    }
    this.last = now;
    this.lastCpu = cpu;
    if (this.timedSince === undefined) return true;
    return now - this.timedSince < this.options.budgetMs || this.times.length < (this.options.minUnits ?? 5);
  }

  get timedUnits(): number {
    return this.times.length;
  }

  /** Median wall-clock milliseconds per unit. */
  medianMs(): number {
    return median(this.times);
  }

  /**
   * Median CPU milliseconds per unit: less disturbed than wall time when other processes share
   * the cores, so the better measure of the Trainer's own cost over the bare loop.
   */
  medianCpuMs(): number {
    return median(this.cpuTimes);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
