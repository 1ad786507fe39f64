/**
 * Interfaces between the Trainer and its parts (losses, optimizers, schedulers, data, models).
 * Each part lives in its own module and implements one of these.
 */
import type * as tf from '@tensorflow/tfjs';

/** One batch as the model and computeLoss see it: named tensors, `labels` among them. */
export type Inputs = Record<string, tf.Tensor> & { labels?: tf.Tensor };

/** What a model's forward pass returns, as HF's ModelOutput: logits, and a loss if the model computes one. */
export interface ModelOutput {
  logits: tf.Tensor;
  loss?: tf.Scalar;
  /** Extra outputs; `past_index` picks one of these by position in `extra`. */
  extra?: tf.Tensor[];
}

/** A named trainable weight, named like a PyTorch state_dict key (e.g. `encoder.0.attention.query.kernel`). */
export interface NamedWeight {
  name: string;
  variable: tf.Variable;
}

export interface ForwardOptions {
  /** Dropout is active only when training. */
  training?: boolean;
  /** Seed for this call's dropout masks, so a resumed run replays the same randomness. */
  seed?: number;
  /** Past state fed back when `past_index` >= 0. */
  mems?: tf.Tensor;
}

/** A model the Trainer can train: a forward pass over named inputs and named weights. */
export interface TrainableModel {
  /** Architecture name, for config.json and the dashboard. */
  readonly architecture: string;
  /** Input tensor names the model reads besides `labels` (e.g. `input_ids`, `attention_mask`, `features`). */
  readonly inputNames: readonly string[];
  readonly numLabels: number;
  forward(features: Record<string, tf.Tensor>, options?: ForwardOptions): ModelOutput;
  /** Every weight, frozen ones included (for saving). */
  weights(): NamedWeight[];
  /** Weights the optimizer updates (frozen layers excluded). */
  trainableWeights(): NamedWeight[];
  /**
   * Weights stored transposed in files (torch Linear `[out, in]`, held `[in, out]` here): weight
   * files are written and read through this, so a checkpoint has the layout transformers expects.
   */
  readonly transposedOnDisk?: ReadonlySet<string>;
  /**
   * HF's `_loss_shifts_labels` (causal LMs): labels are the input ids, and the loss predicts label
   * t + 1 at position t. The Trainer shifts them inside the loss and counts `labels[..., 1:]` for
   * `numItemsInBatch`; evaluation reports the token-weighted loss without gathering logits.
   */
  readonly lossShiftsLabels?: boolean;
  /** HF's `gradient_checkpointing_enable()`: training passes recompute activations in backward. */
  enableGradientCheckpointing?(enabled: boolean): void;
  dispose(): void;
}

export interface LossContext {
  /** Number of label items in the whole optimizer step (across accumulated micro-batches). */
  numItemsInBatch?: number;
}
/** Reduction-aware loss over logits and labels. Returns a scalar unless reduction is `none`. */
export type LossFunction = (logits: tf.Tensor, labels: tf.Tensor, context?: LossContext) => tf.Tensor;

/** Serializable state: plain JSON plus named float arrays (written as safetensors). */
export interface SerializedState {
  json: Record<string, unknown>;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

/** An optimizer that applies gradients to named weights, HF/torch semantics. */
export interface TrainerOptimizer {
  readonly name: string;
  /** Current learning rate; the scheduler sets it before each step. */
  learningRate: number;
  /**
   * Applies one update. `grads` are keyed by weight name. Disposes nothing it was given.
   * `options.scale` multiplies every gradient first (gradient clipping); an optimizer that sets
   * `acceptsGradScale` folds it into its own arithmetic instead of a separate pass.
   */
  applyGradients(grads: Record<string, tf.Tensor>, options?: { scale?: tf.Scalar }): void;
  /** Whether applyGradients honours `options.scale`; without it the Trainer scales the gradients itself. */
  readonly acceptsGradScale?: boolean;
  /** Reads the state asynchronously (GPU backends cannot read synchronously in Node). */
  getState(): Promise<SerializedState>;
  setState(state: SerializedState): void;
  dispose(): void;
}

/** A learning-rate schedule, stepped once per optimizer step (HF's `lr_scheduler.step()`). */
export interface LrScheduler {
  readonly name: string;
  /** The learning rate to use for the next optimizer step. */
  currentLr(): number;
  /** Advance one optimizer step. */
  step(): void;
  /** For reduce_lr_on_plateau: report an evaluation metric (lower is better unless configured). */
  reportMetric?(value: number): void;
  getState(): Record<string, unknown>;
  setState(state: Record<string, unknown>): void;
}

/** Predictions and labels gathered over an evaluation, for metrics. */
export interface EvalPrediction {
  /** Row-major logits, `numRows * numLabels` values. */
  predictions: Float32Array;
  /** Class ids (classification) or targets (regression), one per row. */
  labels: Float32Array;
  numRows: number;
  numLabels: number;
}

export type ComputeMetrics = (prediction: EvalPrediction) => Record<string, number>;
