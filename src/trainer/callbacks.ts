/**
 * Typed training callbacks, as HF's TrainerCallback: each hook may read the state and
 * set flags on the control object. Hooks may be async; the loop awaits them.
 */
import type { TrainingArguments } from '../config/schema';
import type { TrainerControl, TrainerState } from './state';

export interface CallbackContext {
  args: TrainingArguments;
  state: TrainerState;
  control: TrainerControl;
}

type Hook<Extra = object> = (context: CallbackContext & Extra) => void | Promise<void>;

export interface TrainerCallback {
  onTrainBegin?: Hook;
  onEpochBegin?: Hook;
  onStepBegin?: Hook;
  onStepEnd?: Hook;
  onEpochEnd?: Hook;
  onLog?: Hook<{ logs: Record<string, number> }>;
  onEvaluate?: Hook<{ metrics: Record<string, number> }>;
  onSave?: Hook<{ checkpoint: string }>;
  onTrainEnd?: Hook;
}

export type CallbackEvent = keyof TrainerCallback;

export class CallbackHandler {
  constructor(private readonly callbacks: TrainerCallback[]) {}

  add(callback: TrainerCallback): void {
    this.callbacks.push(callback);
  }

  async call<E extends CallbackEvent>(event: E, context: Parameters<NonNullable<TrainerCallback[E]>>[0]): Promise<void> {
    for (const callback of this.callbacks) {
      const hook = callback[event] as ((c: typeof context) => void | Promise<void>) | undefined;
      if (hook) await hook.call(callback, context);
    }
  }
}

/**
 * HF's EarlyStoppingCallback: stop after `patience` evaluations whose metric did not improve
 * on the best by more than `threshold`.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  private badEvaluations = 0;
  private best: number | undefined;

  constructor(
    private readonly patience: number,
    private readonly threshold: number,
    private readonly metricKey: string,
    private readonly greaterIsBetter: boolean,
  ) {}

  onEvaluate = ({ metrics, control }: CallbackContext & { metrics: Record<string, number> }): void => {
    const value = metrics[this.metricKey];
    if (value === undefined || Number.isNaN(value)) return;
    const improved =
      this.best === undefined ||
      (this.greaterIsBetter ? value - this.best > this.threshold : this.best - value > this.threshold);
    if (improved) {
      this.best = value;
      this.badEvaluations = 0;
    } else {
      this.badEvaluations += 1;
      if (this.badEvaluations >= this.patience) control.shouldTrainingStop = true;
    }
  };

  getState(): { badEvaluations: number; best: number | null } {
    return { badEvaluations: this.badEvaluations, best: this.best ?? null };
  }

  setState(state: { badEvaluations?: number; best?: number | null }): void {
    this.badEvaluations = state.badEvaluations ?? 0;
    this.best = state.best ?? undefined;
  }
}
