/**
 * The bookkeeping every torch-style optimizer shares: per-weight state slots created at a weight's
 * first update, per-weight step counts, serialisation, disposal. Subclasses supply the update rule.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedWeight, SerializedState, TrainerOptimizer } from '../types';

/** What an update rule sees for one weight. Runs inside tf.tidy; write results with `assign`. */
export interface UpdateContext {
  param: tf.Variable;
  grad: tf.Tensor;
  /** This weight's state slots (e.g. exp_avg), already created. */
  slots: Record<string, tf.Variable>;
  /** 1 on the weight's first update. */
  step: number;
  lr: number;
  /** 0 for weights excluded from decay. */
  weightDecay: number;
  /** The gradient clipping coefficient, when clipping applies: the rule scales `grad` by it. */
  gradScale?: tf.Scalar;
}

export interface SlotSpec {
  name: string;
  /** Value of the slot before the first update (torch creates state lazily with these). */
  initialValue: number;
}

export abstract class SlotOptimizer implements TrainerOptimizer {
  learningRate: number;
  readonly acceptsGradScale = true;
  private readonly weightsByName = new Map<string, NamedWeight>();
  private readonly slots = new Map<string, Record<string, tf.Variable>>();
  private readonly steps = new Map<string, number>();

  protected constructor(
    readonly name: string,
    learningRate: number,
    weights: readonly NamedWeight[],
    private readonly slotSpecs: readonly SlotSpec[],
    private readonly weightDecayOf: (weightName: string) => number,
  ) {
    this.learningRate = learningRate;
    for (const w of weights) {
      if (this.weightsByName.has(w.name)) throw new Error(`Two trainable weights are both named "${w.name}"; weight names must be unique.`);
      this.weightsByName.set(w.name, w);
    }
  }

  protected abstract update(context: UpdateContext): void;

  /**
   * Updates every weight in one pass (a fused native kernel), or returns false to have `update`
   * run per weight. Called after validation, with the slots created and the new step counts.
   */
  protected updateAll(contexts: readonly UpdateContext[], gradScale: tf.Scalar | undefined): boolean {
    void contexts;
    void gradScale;
    return false;
  }

  applyGradients(grads: Record<string, tf.Tensor>, options: { scale?: tf.Scalar } = {}): void {
    const pending: { weightName: string; context: UpdateContext }[] = [];
    for (const [weightName, grad] of Object.entries(grads)) {
      const weight = this.weightsByName.get(weightName);
      if (!weight) throw new Error(`${this.name}: got a gradient for "${weightName}", which is not one of the optimizer's weights.`);
      if (!sameShape(weight.variable.shape, grad.shape)) {
        throw new Error(`${this.name}: gradient for "${weightName}" has shape [${grad.shape}] but the weight is [${weight.variable.shape}].`);
      }
      pending.push({
        weightName,
        context: {
          param: weight.variable,
          grad,
          slots: this.slotsOf(weight),
          step: (this.steps.get(weightName) ?? 0) + 1,
          lr: this.learningRate,
          weightDecay: this.weightDecayOf(weightName),
          gradScale: options.scale,
        },
      });
    }
    if (!this.updateAll(pending.map((p) => p.context), options.scale)) {
      for (const { context } of pending) {
        // A cast of a float32 gradient would still cost a kernel call and a copy.
        const grad = context.grad;
        tf.tidy(() => this.update({ ...context, grad: grad.dtype === 'float32' ? grad : grad.toFloat() }));
      }
    }
    for (const { weightName, context } of pending) this.steps.set(weightName, context.step);
  }

  private slotsOf(weight: NamedWeight): Record<string, tf.Variable> {
    let slots = this.slots.get(weight.name);
    if (!slots) {
      slots = {};
      for (const spec of this.slotSpecs) {
        slots[spec.name] = tf.tidy(() => tf.variable(tf.fill(weight.variable.shape, spec.initialValue, 'float32'), false));
      }
      this.slots.set(weight.name, slots);
    }
    return slots;
  }

  /** Step counts in `json.steps`, slot values as `<weightName>/<slot>` tensors. */
  async getState(): Promise<SerializedState> {
    const tensors: SerializedState['tensors'] = {};
    for (const [weightName, slots] of this.slots) {
      for (const [slotName, variable] of Object.entries(slots)) {
        // Copy: on the cpu backend data() hands out the live backing array.
        tensors[`${weightName}/${slotName}`] = { shape: [...variable.shape], data: new Float32Array(await variable.data()) };
      }
    }
    return { json: { optimizer: this.name, steps: Object.fromEntries(this.steps) }, tensors };
  }

  setState(state: SerializedState): void {
    const saved = state.json.optimizer;
    if (saved !== this.name) {
      throw new Error(`The checkpoint's optimizer state is for "${String(saved)}" but this run uses "${this.name}". Use the same optim to resume, or start without resume_from_checkpoint.`);
    }
    const steps = readSteps(state.json.steps);
    const restored = new Map<string, Record<string, tf.Variable>>();
    try {
      for (const [key, value] of Object.entries(state.tensors)) {
        const cut = key.lastIndexOf('/');
        const weightName = key.slice(0, cut);
        const slotName = key.slice(cut + 1);
        const weight = this.weightsByName.get(weightName);
        if (cut <= 0 || !weight || !this.slotSpecs.some((s) => s.name === slotName)) {
          throw new Error(`Optimizer state "${key}" matches no weight/slot of this model; the checkpoint is from a different model or optimizer.`);
        }
        if (!sameShape(weight.variable.shape, value.shape) || value.data.length !== weight.variable.size) {
          throw new Error(`Optimizer state "${key}" has shape [${value.shape}] but the weight is [${weight.variable.shape}].`);
        }
        const slots = restored.get(weightName) ?? {};
        slots[slotName] = tf.tidy(() => tf.variable(tf.tensor(value.data, value.shape, 'float32'), false));
        restored.set(weightName, slots);
      }
      for (const [weightName, slots] of restored) {
        const missing = this.slotSpecs.filter((s) => !slots[s.name]).map((s) => s.name);
        if (missing.length > 0) throw new Error(`Optimizer state for "${weightName}" lacks ${missing.join(', ')}; the checkpoint is damaged.`);
        if (!steps.has(weightName)) throw new Error(`Optimizer state for "${weightName}" has no step count; the checkpoint is damaged.`);
      }
    } catch (error) {
      for (const slots of restored.values()) tf.dispose(Object.values(slots));
      throw error;
    }
    this.disposeSlots();
    for (const [weightName, slots] of restored) this.slots.set(weightName, slots);
    this.steps.clear();
    for (const [weightName, n] of steps) this.steps.set(weightName, n);
  }

  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const slots of this.slots.values()) tf.dispose(Object.values(slots));
    this.slots.clear();
  }
}

function readSteps(value: unknown): Map<string, number> {
  if (typeof value !== 'object' || value === null) throw new Error('Optimizer state has no "steps" record; the checkpoint is damaged.');
  const steps = new Map<string, number>();
  for (const [name, n] of Object.entries(value)) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`Optimizer step count for "${name}" is not a whole number; the checkpoint is damaged.`);
    steps.set(name, n);
  }
  return steps;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
