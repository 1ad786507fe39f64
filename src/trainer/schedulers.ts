/**
 * Learning-rate schedules, as Hugging Face transformers' `get_scheduler` builds them
 * (transformers/optimization.py) on top of torch's `LambdaLR` and `ReduceLROnPlateau`.
 *
 * LambdaLR semantics: the learning rate used for the next optimizer step is
 * `learning_rate * lambda(stepsTakenSoFar)`, so the very first step uses `lambda(0)`.
 */
import type { TrainingArguments } from '../config/schema';
import type { LrScheduler } from './types';

export type SchedulerArgs = Pick<
  TrainingArguments,
  'learning_rate' | 'lr_scheduler_type' | 'lr_scheduler_kwargs' | 'warmup_steps' | 'warmup_ratio'
>;

type KwargValue = number | string | boolean;

/** HF's `get_warmup_steps`: `warmup_steps` when > 0, else `ceil(warmup_ratio * totalSteps)`. */
export function getWarmupSteps(args: Pick<TrainingArguments, 'warmup_steps' | 'warmup_ratio'>, totalSteps: number): number {
  return args.warmup_steps > 0 ? args.warmup_steps : Math.ceil(args.warmup_ratio * totalSteps);
}

/** The multiplier of the base learning rate, given the number of optimizer steps taken so far. */
export type LrLambda = (step: number) => number;

function warmupFactor(step: number, warmup: number): number {
  return step / Math.max(1, warmup);
}

export function linearLambda(warmup: number, total: number): LrLambda {
  return (step) => (step < warmup ? warmupFactor(step, warmup) : Math.max(0, (total - step) / Math.max(1, total - warmup)));
}

export function cosineLambda(warmup: number, total: number, numCycles: number): LrLambda {
  return (step) => {
    if (step < warmup) return warmupFactor(step, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * numCycles * 2 * progress)));
  };
}

export function cosineWithHardRestartsLambda(warmup: number, total: number, numCycles: number): LrLambda {
  return (step) => {
    if (step < warmup) return warmupFactor(step, warmup);
    const progress = (step - warmup) / Math.max(1, total - warmup);
    if (progress >= 1) return 0;
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * ((numCycles * progress) % 1))));
  };
}

export function polynomialLambda(warmup: number, total: number, lrInit: number, lrEnd: number, power: number): LrLambda {
  if (!(lrInit > lrEnd)) {
    throw new Error(`lr_scheduler_kwargs.lr_end (${lrEnd}) must be smaller than learning_rate (${lrInit}) for the polynomial schedule.`);
  }
  return (step) => {
    if (step < warmup) return warmupFactor(step, warmup);
    if (step > total) return lrEnd / lrInit;
    const pctRemaining = 1 - (step - warmup) / (total - warmup);
    return ((lrInit - lrEnd) * pctRemaining ** power + lrEnd) / lrInit;
  };
}

export function constantWithWarmupLambda(warmup: number): LrLambda {
  return (step) => (step < warmup ? warmupFactor(step, warmup) : 1);
}

export function inverseSqrtLambda(warmup: number, timescale: number): LrLambda {
  return (step) => {
    if (step < warmup) return warmupFactor(step, warmup);
    const shift = timescale - warmup;
    return 1 / Math.sqrt((step + shift) / timescale);
  };
}

/** A LambdaLR: lr = baseLr * lambda(steps taken). */
class LambdaScheduler implements LrScheduler {
  private stepsTaken = 0;

  constructor(
    readonly name: string,
    private readonly baseLr: number,
    private readonly lambda: LrLambda,
  ) {}

  currentLr(): number {
    return this.baseLr * this.lambda(this.stepsTaken);
  }

  step(): void {
    this.stepsTaken += 1;
  }

  getState(): Record<string, unknown> {
    return { name: this.name, steps_taken: this.stepsTaken };
  }

  setState(state: Record<string, unknown>): void {
    checkStateName(this.name, state);
    const steps = state.steps_taken;
    if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) {
      throw new Error(`Scheduler state has no valid "steps_taken" (got ${JSON.stringify(steps)}); the checkpoint's scheduler file is damaged.`);
    }
    this.stepsTaken = steps;
  }
}

export interface PlateauOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLr: number;
  eps: number;
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau for one parameter group. `step()` does nothing: HF steps it with the metric only. */
class PlateauScheduler implements LrScheduler {
  readonly name = 'reduce_lr_on_plateau';
  private lr: number;
  private best: number;
  private numBadEpochs = 0;
  private cooldownCounter = 0;

  constructor(
    baseLr: number,
    private readonly options: PlateauOptions,
  ) {
    if (!(options.factor < 1)) {
      throw new Error(`lr_scheduler_kwargs.factor must be < 1 for reduce_lr_on_plateau (got ${options.factor}).`);
    }
    this.lr = baseLr;
    this.best = options.mode === 'min' ? Infinity : -Infinity;
  }

  currentLr(): number {
    return this.lr;
  }

  step(): void {
    // HF's Trainer skips lr_scheduler.step() for ReduceLROnPlateau; only evaluation results move it.
  }

  reportMetric(value: number): void {
    if (this.isBetter(value)) {
      this.best = value;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      const newLr = Math.max(this.lr * this.options.factor, this.options.minLr);
      if (this.lr - newLr > this.options.eps) this.lr = newLr;
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
  }

  private isBetter(value: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min') {
      return thresholdMode === 'rel' ? value < this.best * (1 - threshold) : value < this.best - threshold;
    }
    return thresholdMode === 'rel' ? value > this.best * (1 + threshold) : value > this.best + threshold;
  }

  getState(): Record<string, unknown> {
    // JSON has no Infinity: null stands for "no metric reported yet".
    return {
      name: this.name,
      lr: this.lr,
      best: Number.isFinite(this.best) ? this.best : null,
      num_bad_epochs: this.numBadEpochs,
      cooldown_counter: this.cooldownCounter,
    };
  }

  setState(state: Record<string, unknown>): void {
    checkStateName(this.name, state);
    const { lr, best, num_bad_epochs: bad, cooldown_counter: cooldown } = state;
    if (typeof lr !== 'number' || typeof bad !== 'number' || typeof cooldown !== 'number' || (best !== null && typeof best !== 'number')) {
      throw new Error('Scheduler state for reduce_lr_on_plateau is incomplete (needs lr, best, num_bad_epochs, cooldown_counter); the checkpoint is damaged.');
    }
    this.lr = lr;
    this.best = best ?? (this.options.mode === 'min' ? Infinity : -Infinity);
    this.numBadEpochs = bad;
    this.cooldownCounter = cooldown;
  }
}

function checkStateName(expected: string, state: Record<string, unknown>): void {
  if (state.name !== undefined && state.name !== expected) {
    throw new Error(
      `The checkpoint was saved with lr_scheduler_type "${String(state.name)}" but this run uses "${expected}". Use the same lr_scheduler_type to resume.`,
    );
  }
}

/** Reads lr_scheduler_kwargs, rejecting keys the schedule does not take (HF raises a TypeError for those). */
class KwargReader {
  private readonly used = new Set<string>();

  constructor(
    private readonly scheduler: string,
    private readonly kwargs: Record<string, KwargValue>,
  ) {}

  number(key: string, fallback: number): number {
    this.used.add(key);
    const value = this.kwargs[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`lr_scheduler_kwargs.${key} must be a number for "${this.scheduler}" (got ${JSON.stringify(value)}).`);
    }
    return value;
  }

  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    this.used.add(key);
    const value = this.kwargs[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw new Error(`lr_scheduler_kwargs.${key} must be one of ${allowed.map((a) => `"${a}"`).join(', ')} (got ${JSON.stringify(value)}).`);
    }
    return value as T;
  }

  /** Call after reading: an unknown key is an error naming the accepted ones. */
  rejectUnknown(): void {
    const unknown = Object.keys(this.kwargs).filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      const accepted = [...this.used].join(', ') || 'none';
      throw new Error(`lr_scheduler_kwargs ${unknown.map((k) => `"${k}"`).join(', ')} not used by "${this.scheduler}". Accepted: ${accepted}.`);
    }
  }
}

/**
 * Builds the schedule named by `args.lr_scheduler_type` for a run of `totalSteps` optimizer steps.
 * Warmup comes from `getWarmupSteps`; `constant` and `reduce_lr_on_plateau` ignore it, as in HF.
 */
export function createScheduler(args: SchedulerArgs, totalSteps: number): LrScheduler {
  const type = args.lr_scheduler_type;
  const kwargs = new KwargReader(type, args.lr_scheduler_kwargs ?? {});
  const warmup = getWarmupSteps(args, totalSteps);
  const baseLr = args.learning_rate;
  let scheduler: LrScheduler;
  switch (type) {
    case 'linear':
      scheduler = new LambdaScheduler(type, baseLr, linearLambda(warmup, totalSteps));
      break;
    case 'cosine':
      scheduler = new LambdaScheduler(type, baseLr, cosineLambda(warmup, totalSteps, kwargs.number('num_cycles', 0.5)));
      break;
    case 'cosine_with_restarts':
      scheduler = new LambdaScheduler(type, baseLr, cosineWithHardRestartsLambda(warmup, totalSteps, kwargs.number('num_cycles', 1)));
      break;
    case 'polynomial': {
      const lambda = polynomialLambda(warmup, totalSteps, baseLr, kwargs.number('lr_end', 1e-7), kwargs.number('power', 1));
      scheduler = new LambdaScheduler(type, baseLr, lambda);
      break;
    }
    case 'constant':
      scheduler = new LambdaScheduler(type, baseLr, () => 1);
      break;
    case 'constant_with_warmup':
      scheduler = new LambdaScheduler(type, baseLr, constantWithWarmupLambda(warmup));
      break;
    case 'inverse_sqrt': {
      const timescale = kwargs.number('timescale', warmup || 10_000);
      scheduler = new LambdaScheduler(type, baseLr, inverseSqrtLambda(warmup, timescale));
      break;
    }
    case 'reduce_lr_on_plateau':
      scheduler = new PlateauScheduler(baseLr, {
        mode: kwargs.choice('mode', ['min', 'max'] as const, 'min'),
        factor: kwargs.number('factor', 0.1),
        patience: kwargs.number('patience', 10),
        threshold: kwargs.number('threshold', 1e-4),
        thresholdMode: kwargs.choice('threshold_mode', ['rel', 'abs'] as const, 'rel'),
        cooldown: kwargs.number('cooldown', 0),
        minLr: kwargs.number('min_lr', 0),
        eps: kwargs.number('eps', 1e-8),
      });
      break;
    default: {
      const unknown: never = type;
      throw new Error(
        `Unknown lr_scheduler_type "${String(unknown)}". Use one of: linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt, reduce_lr_on_plateau.`,
      );
    }
  }
  kwargs.rejectUnknown();
  return scheduler;
}
