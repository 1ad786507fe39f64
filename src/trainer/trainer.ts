/**
 * The Trainer: Hugging Face `Trainer` semantics on TensorFlow.js. Every part can be replaced
 * by a subclass or through the constructor: computeLoss, the optimizer and scheduler
 * (`optimizers: [optimizer, scheduler]`), metrics and callbacks.
 */
import * as tf from '@tensorflow/tfjs';
import { computeTotalSteps, resolveBestModelMetric, type TotalSteps } from '../config/resolve';
import type { LossKwargs, TrainingArguments } from '../config/schema';
import type { CheckpointEvent, EvalEvent, LogEvent } from '../protocol/events';
import { microBatchesForUpdate } from './batching';
import { CallbackHandler, EarlyStoppingCallback, type CallbackContext, type TrainerCallback } from './callbacks';
import {
  latestCheckpoint,
  readCheckpoint,
  rotateCheckpoints,
  writeCheckpoint,
  type LoopPosition,
} from './checkpoints';
import { IGNORE_INDEX, type TensorDataset } from './data';
import type { EventSink } from './event-sink';
import { gradNormAndClipCoefficient } from './gradients';
import { loadWeightsInto, saveWeights } from './io/model-files';
import { resolveLossContract, type LossContract } from './loss-contract';
import { planResume, type SavedRun } from './resume-plan';
import { createLoopState, startPosition, type LoopState, type TrainingStepOptions } from './loop-state';
import { createLoss } from './losses';
import { causalLmLoss, countShiftedLabelItems } from './losses/causal';
import { computeBuiltinMetrics } from './metrics';
import { ModelInMode } from './model-mode';
import { createOptimizer } from './optimizers';
import { epochPermutation, mixSeed } from './random';
import { createScheduler } from './schedulers';
import { TrainerControl, TrainerState } from './state';
import { TrainerError } from './errors';
import type {
  ComputeMetrics,
  EvalPrediction,
  Inputs,
  LossFunction,
  LrScheduler,
  ModelOutput,
  TrainableModel,
  TrainerOptimizer,
} from './types';
import { join } from 'node:path';

/** HF's `compute_loss_func(outputs, labels, num_items_in_batch)`. */
export type ComputeLossFunc = (outputs: ModelOutput, labels: tf.Tensor, numItemsInBatch?: number) => tf.Tensor;

export type ComputeLossResult = tf.Tensor | [tf.Tensor, ModelOutput];

export interface TrainerOptions {
  model: TrainableModel;
  args: TrainingArguments;
  trainDataset?: TensorDataset;
  evalDataset?: TensorDataset;
  computeMetrics?: ComputeMetrics;
  callbacks?: TrainerCallback[];
  /** HF's `optimizers=(optimizer, scheduler)`: either may be left undefined to get the default. */
  optimizers?: [TrainerOptimizer | undefined, LrScheduler | undefined];
  /** Loss picked by `loss_name` (any alias) and `loss_kwargs`. */
  lossName?: string;
  lossKwargs?: LossKwargs;
  /** Built-in metric names computed at each evaluation. */
  metricNames?: readonly string[];
  /** HF's `compute_loss_func`, e.g. a module's exported `computeLoss` function. */
  computeLossFunc?: ComputeLossFunc;
  /** The config's `trainer_kwargs`, for custom trainers. */
  trainerKwargs?: Record<string, unknown>;
  /** Absolute output folder; defaults to `args.output_dir`. */
  outputDir?: string;
  events?: EventSink;
  /**
   * Writes the model into a folder (checkpoints): weights plus whatever rebuilds it (config.json,
   * tokenizer). Defaults to the weights alone, as model.safetensors.
   */
  saveModel?: (dir: string) => Promise<void>;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

export interface TrainOutput {
  status: 'completed' | 'stopped';
  globalStep: number;
  trainingLoss: number;
  metrics: Record<string, number>;
  /** The checkpoint written when the run was stopped. */
  stopCheckpoint?: string;
}

/** How long the loop may run before it yields to the event loop (stop messages, IPC). */
const YIELD_INTERVAL_MS = 25;
const PROGRESS_INTERVAL_MS = 500;
const MAX_PENDING_LOSSES = 100;

export class Trainer {
  /**
   * HF's `model_accepts_loss_kwargs`: true (the default) when computeLoss divides a summed loss by
   * `numItemsInBatch` itself; declare `static override acceptsLossKwargs = false` when it returns a
   * per-micro-batch mean, and the Trainer divides it by the micro-batch count. See loss-contract.ts.
   */
  static acceptsLossKwargs: boolean | undefined = undefined;

  readonly args: TrainingArguments;
  readonly model: TrainableModel;
  readonly trainDataset?: TensorDataset;
  readonly evalDataset?: TensorDataset;
  readonly trainerKwargs: Record<string, unknown>;
  readonly state = new TrainerState();
  readonly control = new TrainerControl();
  readonly outputDir: string;
  optimizer?: TrainerOptimizer;
  lrScheduler?: LrScheduler;

  protected readonly callbackHandler: CallbackHandler;
  protected readonly computeMetrics?: ComputeMetrics;
  protected readonly computeLossFunc?: ComputeLossFunc;
  protected readonly metricNames: readonly string[];
  private readonly lossFunction: LossFunction;
  private readonly smoothingLoss?: LossFunction;
  private readonly events?: EventSink;
  private readonly saveModel: (dir: string) => Promise<void>;
  private readonly now: () => number;
  private readonly earlyStopping?: EarlyStoppingCallback;
  private stopRequested = false;
  private pausedUntil?: Promise<void>;
  private resumePaused?: () => void;
  private past?: tf.Tensor;
  private bestGlobalStep?: number;
  private currentStepSeed = 0;
  /** Label value excluded from losses, item counts and metrics (loss_kwargs.ignore_index). */
  private readonly ignoreIndex: number;
  private saveRequested = false;

  constructor(options: TrainerOptions) {
    this.args = options.args;
    this.model = options.model;
    this.trainDataset = options.trainDataset;
    this.evalDataset = options.evalDataset;
    this.trainerKwargs = options.trainerKwargs ?? {};
    this.outputDir = options.outputDir ?? options.args.output_dir;
    this.computeMetrics = options.computeMetrics;
    this.computeLossFunc = options.computeLossFunc;
    this.metricNames = options.metricNames ?? [];
    this.events = options.events;
    this.saveModel = options.saveModel ?? ((dir) => saveWeights(this.model, dir));
    this.now = options.now ?? (() => performance.now());
    this.optimizer = options.optimizers?.[0];
    this.lrScheduler = options.optimizers?.[1];
    this.ignoreIndex = options.lossKwargs?.ignore_index ?? IGNORE_INDEX;
    // A causal LM's loss shifts the labels (HF's ForCausalLMLoss; the label smoother's shift_labels=True).
    const shifted = (loss: LossFunction) => (options.model.lossShiftsLabels ? causalLmLoss(loss, this.ignoreIndex) : loss);
    this.lossFunction = shifted(createLoss(options.lossName ?? (options.model.numLabels === 1 ? 'MSE' : 'CrossEntropy'), options.lossKwargs ?? {}));
    if (this.args.label_smoothing_factor > 0) {
      this.smoothingLoss = shifted(createLoss('CrossEntropy', { label_smoothing: this.args.label_smoothing_factor }));
    }
    if (this.args.gradient_checkpointing) {
      if (!options.model.enableGradientCheckpointing) {
        throw new TrainerError(`gradient_checkpointing: the model "${options.model.architecture}" cannot recompute its activations; it is available for Hugging Face decoders. Remove gradient_checkpointing.`);
      }
      options.model.enableGradientCheckpointing(true);
    }
    this.callbackHandler = new CallbackHandler([...(options.callbacks ?? [])]);
    if (this.args.early_stopping_patience != null) {
      this.earlyStopping = new EarlyStoppingCallback(
        this.args.early_stopping_patience,
        this.args.early_stopping_threshold,
        this.bestMetricKey(),
        this.greaterIsBetter(),
      );
      this.callbackHandler.add(this.earlyStopping);
    }
  }

  // ---- Overridable parts (HF names in camelCase) ----

  /**
   * HF's `compute_loss`. Pops the labels when a label smoother or a configured loss applies,
   * runs the model, and returns the loss, or `[loss, outputs]` when `returnOutputs` is true.
   * With `numItemsInBatch`, a mean loss becomes sum / numItemsInBatch, which makes gradient
   * accumulation exact.
   */
  computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number): ComputeLossResult {
    const { labels, ...features } = inputs;
    const outputs = model.forward(features, this.past ? { mems: this.past } : undefined);
    const past = this.args.past_index >= 0 ? outputs.extra?.[this.args.past_index] : undefined;
    if (past) {
      // computeLoss runs inside tfjs scopes that dispose their tensors: keep this one for the next step.
      this.past?.dispose();
      this.past = tf.keep(past.clone());
    }
    let loss: tf.Tensor;
    if (labels === undefined) {
      if (!outputs.loss) throw new TrainerError('The batch has no `labels` and the model returned no loss.');
      loss = outputs.loss;
    } else if (this.computeLossFunc) {
      loss = this.computeLossFunc(outputs, labels, numItemsInBatch);
    } else {
      // Declared acceptsLossKwargs = false: the Trainer rescales, so the built-in loss is a plain mean.
      const items = this.lossContract().normalisesByItems ? numItemsInBatch : undefined;
      loss = (this.smoothingLoss ?? this.lossFunction)(outputs.logits, labels, { numItemsInBatch: items });
    }
    return returnOutputs ? [loss, outputs] : loss;
  }

  /** HF's `create_optimizer`: AdamW (or `optim`) over the trainable weights. */
  createOptimizer(): TrainerOptimizer {
    this.optimizer ??= createOptimizer(this.args, this.model.trainableWeights());
    return this.optimizer;
  }

  /** HF's `create_scheduler`. */
  createScheduler(totalSteps: number): LrScheduler {
    this.lrScheduler ??= createScheduler(this.args, totalSteps);
    return this.lrScheduler;
  }

  addCallback(callback: TrainerCallback): void {
    this.callbackHandler.add(callback);
  }

  // ---- Control from outside the loop ----

  /** Finish the current step, save a checkpoint and return with status `stopped`. */
  requestStop(): void {
    this.stopRequested = true;
    this.resumePaused?.();
  }

  /** Write a checkpoint after the current step, and go on training. */
  requestSave(): void {
    this.saveRequested = true;
  }

  pause(): void {
    if (this.pausedUntil) return;
    this.pausedUntil = new Promise((resolve) => {
      this.resumePaused = resolve;
    });
  }

  resume(): void {
    this.resumePaused?.();
    this.pausedUntil = undefined;
    this.resumePaused = undefined;
  }

  // ---- Training ----

  /** Total optimizer steps and epochs: the same arithmetic the editor uses for its warnings. */
  totalSteps(): TotalSteps {
    return computeTotalSteps({ training_args: this.args }, this.requireTrainDataset().size);
  }

  async train(options: { resumeFromCheckpoint?: string | boolean } = {}): Promise<TrainOutput> {
    const loop = await this.startLoop(options.resumeFromCheckpoint ?? this.args.resume_from_checkpoint ?? undefined);
    await this.callbackHandler.call('onTrainBegin', this.callbackContext());
    // HF's eval_on_start: a baseline evaluation that neither picks a best model nor steps the scheduler.
    if (this.args.eval_on_start && this.evalDataset) await this.evaluateAndTrack(loop.step.scheduler, { trackBest: false });
    let status: TrainOutput['status'] = 'completed';
    let stopCheckpoint: string | undefined;
    try {
      for (let epoch = loop.position.epoch; epoch < loop.plan.numEpochs && this.state.globalStep < loop.plan.totalSteps; epoch++) {
        if (!(await this.runEpoch(loop, epoch))) break;
      }
      await this.flushLosses(loop);
      if (this.stopRequested) {
        status = 'stopped';
        if (this.state.globalStep === loop.startStep) stopCheckpoint = loop.resumeFrom; // stopped before any step: nothing new to save
        else stopCheckpoint = loop.lastSavedStep === this.state.globalStep ? this.checkpointDir(this.state.globalStep) : await this.saveFromLoop(loop);
      }
    } finally {
      tf.dispose(loop.pendingLosses);
      loop.lastGradNorm?.dispose();
      this.resetPast();
    }

    if (status === 'completed' && this.args.load_best_model_at_end && this.state.bestModelCheckpoint) {
      await loadWeightsInto(this.model, this.state.bestModelCheckpoint);
      this.events?.emit({ type: 'message', time: Date.now(), level: 'info', text: `Loaded the best model from ${this.state.bestModelCheckpoint}` });
    }

    const runtime = (this.now() - loop.startTime) / 1000;
    const trainingLoss = this.state.globalStep > 0 ? loop.position.totalLossSum / this.state.globalStep : 0;
    const metrics = {
      train_runtime: round(runtime),
      train_samples_per_second: round(loop.samplesSeen / Math.max(runtime, 1e-9)),
      train_steps_per_second: round((this.state.globalStep - loop.startStep) / Math.max(runtime, 1e-9)),
      train_loss: trainingLoss,
      epoch: round(this.state.epoch),
    };
    if (status === 'completed') this.state.logHistory.push({ ...metrics, step: this.state.globalStep });
    await this.callbackHandler.call('onTrainEnd', this.callbackContext());
    return { status, globalStep: this.state.globalStep, trainingLoss, metrics, stopCheckpoint };
  }

  /** Sets up a train() call: optimizer, scheduler, the state's plan, and the checkpoint it resumes from. */
  private async startLoop(resumeRequest: string | boolean | undefined): Promise<LoopState> {
    const dataset = this.requireTrainDataset();
    const args = this.args;
    const plan = this.totalSteps();
    const optimizer = this.createOptimizer();
    const scheduler = this.createScheduler(plan.totalSteps);
    const weights = this.model.trainableWeights();

    this.state.maxSteps = plan.totalSteps;
    this.state.numTrainEpochs = plan.numEpochs;
    this.state.loggingSteps = args.logging_steps;
    this.state.evalSteps = args.eval_steps ?? args.logging_steps;
    this.state.saveSteps = args.save_steps;
    this.state.trainBatchSize = args.per_device_train_batch_size;

    const resumeFrom = this.resolveResumeCheckpoint(resumeRequest);
    let position = startPosition(dataset.size);
    if (resumeFrom) {
      const saved = await this.loadCheckpointState(resumeFrom, optimizer, scheduler);
      const resume = planResume(saved, { args, trainRows: dataset.size, plan });
      for (const text of resume.warnings) this.events?.emit({ type: 'message', time: Date.now(), level: 'warning', text });
      position = { ...resume.position, trainRows: dataset.size };
    }
    return createLoopState({
      plan,
      dataSeed: args.data_seed ?? args.seed,
      step: {
        dataset,
        variables: weights.map((w) => w.variable),
        variableToWeight: new Map(weights.map((w) => [w.variable.name, w.name])),
        optimizer,
        scheduler,
        normalisesByItems: this.lossContract().normalisesByItems,
      },
      position,
      resumeFrom,
      startTime: this.now(),
      startStep: this.state.globalStep,
    });
  }

  /** One epoch's steps, then HF's epoch-end flow. False when training ends here (stop, callbacks). */
  private async runEpoch(loop: LoopState, epoch: number): Promise<boolean> {
    const { position, plan } = loop;
    position.epoch = epoch;
    const order = epochPermutation(loop.step.dataset.size, loop.dataSeed, epoch);
    this.control.shouldEpochStop = false;
    await this.callbackHandler.call('onEpochBegin', this.callbackContext());
    for (let update = position.updateInEpoch; update < plan.stepsPerEpoch; update++) {
      if (this.state.globalStep >= plan.totalSteps || this.control.shouldTrainingStop || this.control.shouldEpochStop) break;
      if (this.pausedUntil) await this.pausedUntil;
      if (this.stopRequested) break;
      await this.runStep(loop, epoch, update, order);
    }
    if (this.stopRequested) return false;
    // HF runs the epoch-end flow also when max_steps or a callback ends the epoch early.
    if (position.updateInEpoch >= plan.stepsPerEpoch) {
      position.updateInEpoch = 0;
      position.epoch = epoch + 1;
    }
    this.control.resetStep();
    this.decideEpochActions();
    await this.callbackHandler.call('onEpochEnd', this.callbackContext());
    if (this.control.shouldLog) await this.logLosses(loop);
    if (this.control.shouldEvaluate) await this.evaluateAndTrack(loop.step.scheduler);
    if (this.control.shouldSave && loop.lastSavedStep !== this.state.globalStep) await this.saveFromLoop(loop);
    return !this.control.shouldTrainingStop;
  }

  /** One optimizer step and what follows it: callbacks, log, evaluation, save, progress. */
  private async runStep(loop: LoopState, epoch: number, update: number, order: Int32Array): Promise<void> {
    const { plan, position } = loop;
    const args = this.args;
    this.control.resetStep();
    await this.callbackHandler.call('onStepBegin', this.callbackContext());

    const microBatches = microBatchesForUpdate(order, plan, args.per_device_train_batch_size, args.gradient_accumulation_steps, update);
    const { loss, gradNorm } = this.trainingStep({ ...loop.step, microBatches });
    loop.step.scheduler.step();
    if (this.state.globalStep === 0 && loop.pendingLosses.length === 0) await this.checkFirstLoss(loss);
    loop.pendingLosses.push(loss);
    // Without step logging, losses are still read (and NaN caught) every 100 steps.
    if (loop.pendingLosses.length >= MAX_PENDING_LOSSES) await this.flushLosses(loop);
    loop.lastGradNorm?.dispose();
    loop.lastGradNorm = gradNorm;

    const samples = microBatches.reduce((n, b) => n + b.length, 0);
    loop.samplesSeen += samples;
    loop.samplesSinceLog += samples;
    this.state.globalStep += 1;
    position.updateInEpoch = update + 1;
    this.state.epoch = epoch + (update + 1) / plan.stepsPerEpoch;

    this.decideStepActions();
    if (this.saveRequested) {
      this.control.shouldSave = true;
      this.saveRequested = false;
    }
    await this.callbackHandler.call('onStepEnd', this.callbackContext());
    if (this.control.shouldLog) await this.logLosses(loop);
    if (this.control.shouldEvaluate) await this.evaluateAndTrack(loop.step.scheduler);
    if (this.control.shouldSave) await this.saveFromLoop(loop);

    const now = this.now();
    if (now - loop.lastProgress >= PROGRESS_INTERVAL_MS || this.state.globalStep === plan.totalSteps) {
      loop.lastProgress = now;
      this.emitProgress(loop, now);
    }
    if (now - loop.lastYield >= YIELD_INTERVAL_MS) {
      // Let IPC and signal handlers run, so a stop is seen within one step.
      await new Promise<void>((resolve) => setImmediate(resolve));
      loop.lastYield = this.now();
    }
  }

  private emitProgress(loop: LoopState, now: number): void {
    const totalSteps = loop.plan.totalSteps;
    const stepsDone = this.state.globalStep - loop.startStep;
    const rate = stepsDone / Math.max((now - loop.startTime) / 1000, 1e-9);
    this.events?.emit({
      type: 'progress',
      time: Date.now(),
      step: this.state.globalStep,
      totalSteps,
      epoch: round(this.state.epoch),
      eta: rate > 0 ? (totalSteps - this.state.globalStep) / rate : 0,
    });
  }

  /**
   * Reads the pending step losses, and with `withGradNorm` the last step's gradient norm, in one
   * asynchronous read: each read waits for the device to finish the queued steps. Returns the norm.
   */
  private async flushLosses(loop: LoopState, withGradNorm = false): Promise<number | undefined> {
    const losses = loop.pendingLosses;
    loop.pendingLosses = [];
    // The norm only when a log follows (a log right after another at the same step has nothing to say).
    const gradNorm = withGradNorm && losses.length + loop.position.stepsSinceLog > 0 ? loop.lastGradNorm : undefined;
    if (losses.length === 0 && !gradNorm) return undefined;
    const stacked = tf.stack(gradNorm ? [...losses, gradNorm] : losses);
    const values = await stacked.data();
    tf.dispose([stacked, ...losses]);
    const firstBad = values.subarray(0, losses.length).findIndex((v) => !Number.isFinite(v));
    if (firstBad >= 0) {
      const step = this.state.globalStep - losses.length + firstBad + 1;
      throw new TrainerError(
        `The loss is ${values[firstBad]} at step ${step}. Lower learning_rate, check the data for bad values, or check computeLoss.`,
      );
    }
    const position = loop.position;
    for (let i = 0; i < losses.length; i++) position.lossSinceLog += values[i];
    position.stepsSinceLog += losses.length;
    for (let i = 0; i < losses.length; i++) position.totalLossSum += values[i];
    return gradNorm ? values[losses.length] : undefined;
  }

  /** HF's `_maybe_log_save_evaluate` logging part: the mean loss since the last log, as a `log` event. */
  private async logLosses(loop: LoopState): Promise<void> {
    const gradNorm = await this.flushLosses(loop, true);
    const position = loop.position;
    if (position.stepsSinceLog === 0) return;
    const elapsed = (this.now() - loop.lastLogTime) / 1000;
    const steps = this.state.globalStep - loop.lastLogStep;
    const entry = {
      loss: round(position.lossSinceLog / position.stepsSinceLog),
      ...(gradNorm !== undefined ? { grad_norm: gradNorm } : {}),
      learning_rate: loop.step.scheduler.currentLr(),
      epoch: round(this.state.epoch),
      step: this.state.globalStep,
    };
    position.lossSinceLog = 0;
    position.stepsSinceLog = 0;
    this.state.logHistory.push(entry);
    const event: LogEvent = {
      type: 'log',
      time: Date.now(),
      step: entry.step,
      epoch: entry.epoch,
      loss: entry.loss,
      learning_rate: entry.learning_rate,
      ...(gradNorm !== undefined && Number.isFinite(gradNorm) ? { grad_norm: gradNorm } : {}),
      samples_per_second: elapsed > 0 ? loop.samplesSinceLog / elapsed : 0,
      steps_per_second: elapsed > 0 ? steps / elapsed : 0,
    };
    this.events?.emit(event);
    loop.lastLogTime = this.now();
    loop.lastLogStep = this.state.globalStep;
    loop.samplesSinceLog = 0;
    await this.callbackHandler.call('onLog', { ...this.callbackContext(), logs: entry });
  }

  private async saveFromLoop(loop: LoopState): Promise<string> {
    await this.flushLosses(loop);
    const dir = await this.saveCheckpoint(loop.position, loop.step.optimizer, loop.step.scheduler);
    loop.lastSavedStep = this.state.globalStep;
    return dir;
  }

  private callbackContext(): CallbackContext {
    return { args: this.args, state: this.state, control: this.control };
  }

  /**
   * One optimizer step over its micro-batches: gradients summed across micro-batches, clipped,
   * applied. Returns the step's loss and gradient norm as tensors (not read: no sync here).
   */
  protected trainingStep(options: TrainingStepOptions): { loss: tf.Scalar; gradNorm: tf.Scalar } {
    const { microBatches, dataset, variables, variableToWeight, optimizer, scheduler, normalisesByItems } = options;
    const numItemsInBatch = microBatches.reduce((n, b) => n + this.countItems(dataset, b), 0);
    const divisor = normalisesByItems ? 1 : microBatches.length;
    let summed: Record<string, tf.Tensor> | undefined;
    let lossSum: tf.Scalar | undefined;
    for (let m = 0; m < microBatches.length; m++) {
      const inputs = dataset.batch(microBatches[m]);
      this.currentStepSeed = mixSeed(this.args.seed, this.state.globalStep * 1024 + m);
      const model = new ModelInMode(this.model, true, this.currentStepSeed);
      try {
        const { value, grads } = tf.variableGrads(() => {
          const loss = this.checkedLoss(this.computeLoss(model, inputs, false, numItemsInBatch));
          return divisor > 1 ? tf.div(loss, divisor) : loss;
        }, variables);
        const previousSum = lossSum;
        lossSum = previousSum ? (tf.add(previousSum, value) as tf.Scalar) : value;
        if (previousSum) {
          previousSum.dispose();
          value.dispose();
        }
        if (summed === undefined) {
          summed = grads;
        } else {
          for (const name of Object.keys(grads)) {
            const total = tf.add(summed[name], grads[name]);
            summed[name].dispose();
            grads[name].dispose();
            summed[name] = total;
          }
        }
      } finally {
        tf.dispose(inputs);
      }
    }
    if (!summed || !lossSum) throw new TrainerError('An optimizer step got no examples; check per_device_train_batch_size.');
    const named: Record<string, tf.Tensor> = {};
    for (const [variableName, grad] of Object.entries(summed)) named[variableToWeight.get(variableName) ?? variableName] = grad;
    const { norm, coefficient } = gradNormAndClipCoefficient(named, this.args.max_grad_norm);
    optimizer.learningRate = scheduler.currentLr();
    if (!coefficient || optimizer.acceptsGradScale) {
      optimizer.applyGradients(named, coefficient ? { scale: coefficient } : undefined);
    } else {
      // An optimizer of the user's own that cannot fold the coefficient gets clipped gradients.
      const clipped = tf.tidy(() => Object.fromEntries(Object.entries(named).map(([n, g]) => [n, tf.mul(g, coefficient)])));
      optimizer.applyGradients(clipped);
      tf.dispose(Object.values(clipped));
    }
    tf.dispose([...Object.values(named), ...(coefficient ? [coefficient] : [])]);
    return { loss: lossSum, gradNorm: norm };
  }

  /** Label items of these rows that count toward the loss: shifted labels for a causal LM (HF's _get_num_items_in_batch). */
  private countItems(dataset: TensorDataset, indices: ArrayLike<number>): number {
    if (!this.model.lossShiftsLabels) return dataset.countLabelItems(indices, this.ignoreIndex);
    if (dataset.countShiftedLabelItems) return dataset.countShiftedLabelItems(indices, this.ignoreIndex);
    const { labels, ...rest } = dataset.batch(indices);
    try {
      if (!labels) throw new TrainerError('A causal LM batch needs `labels` (the input ids, padding -100).');
      return countShiftedLabelItems(labels, this.ignoreIndex);
    } finally {
      tf.dispose([labels, ...Object.values(rest)]);
    }
  }

  /** HF's `evaluate`: loss and metrics over the eval dataset, keys prefixed with `eval_`. */
  async evaluate(): Promise<Record<string, number>> {
    const dataset = this.evalDataset;
    if (!dataset) throw new TrainerError('evaluate() needs an eval dataset: set data.eval_file.');
    const start = this.now();
    const batchSize = this.args.per_device_eval_batch_size;
    const numLabels = this.model.numLabels;
    // A causal LM's logits are [rows, length, vocab]: evaluation reports the token-weighted loss (and
    // perplexity) without gathering them, as HF's prediction_loss_only.
    const lossOnly = this.model.lossShiftsLabels === true;
    const predictions = new Float32Array(lossOnly ? 0 : dataset.size * numLabels);
    let lossTotal = 0;
    let itemsTotal = 0;
    const model = new ModelInMode(this.model, false, undefined);
    // As HF: evaluation starts without the training's past state, and leaves none behind.
    const trainingPast = this.past;
    this.past = undefined;
    try {
      for (let first = 0; first < dataset.size; first += batchSize) {
        const indices = new Int32Array(Math.min(batchSize, dataset.size - first)).map((_, i) => first + i);
        const inputs = dataset.batch(indices);
        const items = this.countItems(dataset, indices);
        try {
          const [loss, logits] = tf.tidy(() => {
            // A batch whose labels are all ignored has no items to divide by: let the loss use its own mean.
            const result = this.computeLoss(model, inputs, true, items > 0 ? items : undefined);
            if (!Array.isArray(result)) {
              throw new TrainerError('computeLoss(model, inputs, returnOutputs = true) must return [loss, outputs]; evaluation needs the outputs.');
            }
            const [l, outputs] = result;
            return [this.checkedLoss(l), lossOnly ? tf.zeros([0]) : outputs.logits.reshape([indices.length, numLabels])] as [tf.Scalar, tf.Tensor];
          });
          const [lossValue] = await loss.data();
          if (!lossOnly) predictions.set(await logits.data(), first * numLabels);
          tf.dispose([loss, logits]);
          if (items > 0) {
            lossTotal += lossValue * items;
            itemsTotal += items;
          }
        } finally {
          tf.dispose(inputs);
        }
      }
    } finally {
      this.resetPast();
      this.past = trainingPast;
    }
    const evalLoss = itemsTotal > 0 ? lossTotal / itemsTotal : Number.NaN;
    const prediction: EvalPrediction = {
      predictions,
      labels: lossOnly ? new Float32Array(0) : Float32Array.from(dataset.labels),
      numRows: lossOnly ? 0 : dataset.size,
      numLabels,
    };
    const computed = {
      ...computeBuiltinMetrics(this.metricNames, prediction, evalLoss),
      ...(this.computeMetrics ? this.computeMetrics(prediction) : {}),
    };
    const runtime = (this.now() - start) / 1000;
    const metrics: Record<string, number> = { eval_loss: evalLoss };
    for (const [name, value] of Object.entries(computed)) metrics[name.startsWith('eval_') ? name : `eval_${name}`] = value;
    metrics.eval_runtime = round(runtime);
    metrics.eval_samples_per_second = round(dataset.size / Math.max(runtime, 1e-9));
    return metrics;
  }

  // ---- Internals ----

  private resetPast(): void {
    this.past?.dispose();
    this.past = undefined;
  }

  private requireTrainDataset(): TensorDataset {
    if (!this.trainDataset) throw new TrainerError('train() needs a train dataset: set data.train_file.');
    return this.trainDataset;
  }

  /** Who scales the loss under accumulation: the one decision the editor shares (loss-contract.ts). */
  protected lossContract(): LossContract {
    const source = this.computeLossFunc ? 'function' : this.computeLoss === Trainer.prototype.computeLoss ? 'builtin' : 'override';
    return resolveLossContract({ source, declared: (this.constructor as typeof Trainer).acceptsLossKwargs });
  }

  private checkedLoss(result: ComputeLossResult): tf.Scalar {
    // HF tolerates a (loss, outputs) tuple where only the loss was asked for; so do we.
    const loss: unknown = Array.isArray(result) ? result[0] : result;
    if (!(loss instanceof tf.Tensor)) {
      throw new TrainerError(`computeLoss must return a tf.Tensor scalar (or [loss, outputs]); it returned ${describe(loss)}.`);
    }
    if (loss.rank !== 0) {
      throw new TrainerError(
        `computeLoss must return a scalar loss; it returned a tensor of shape [${loss.shape.join(', ')}] at step ${this.state.globalStep + 1}. Reduce it with tf.mean or tf.sum.`,
      );
    }
    return loss as tf.Scalar;
  }

  /** The first step's loss is read at once, so a broken override fails before a whole log interval. */
  private async checkFirstLoss(loss: tf.Scalar): Promise<void> {
    const [value] = await loss.data();
    if (!Number.isFinite(value)) {
      throw new TrainerError(`The loss is ${value} at step 1. Check computeLoss, the labels and learning_rate.`);
    }
  }

  /** HF's DefaultFlowCallback.on_step_end. */
  private decideStepActions(): void {
    const args = this.args;
    const step = this.state.globalStep;
    const evalSteps = args.eval_steps ?? args.logging_steps;
    if (args.logging_first_step && step === 1) this.control.shouldLog = true;
    if (args.logging_strategy === 'steps' && step % args.logging_steps === 0) this.control.shouldLog = true;
    if (args.eval_strategy === 'steps' && step % evalSteps === 0) this.control.shouldEvaluate = true;
    if (args.save_strategy === 'steps' && step % args.save_steps === 0) this.control.shouldSave = true;
    if (step >= this.state.maxSteps) {
      // As HF: the last step saves under the `steps` strategy. It also logs, so the final loss is seen.
      if (args.logging_strategy !== 'no') this.control.shouldLog = true;
      if (args.save_strategy === 'steps') this.control.shouldSave = true;
    }
  }

  /** HF's DefaultFlowCallback.on_epoch_end. */
  private decideEpochActions(): void {
    const args = this.args;
    if (args.logging_strategy === 'epoch') this.control.shouldLog = true;
    if (args.eval_strategy === 'epoch') this.control.shouldEvaluate = true;
    if (args.save_strategy === 'epoch') this.control.shouldSave = true;
    if (this.state.globalStep >= this.state.maxSteps) {
      if (args.logging_strategy !== 'no') this.control.shouldLog = true;
    }
  }

  private bestMetricKey(): string {
    return resolveBestModelMetric(this.args)?.logKey ?? 'eval_loss';
  }

  private greaterIsBetter(): boolean {
    return resolveBestModelMetric(this.args)?.greaterIsBetter ?? false;
  }

  private async evaluateAndTrack(scheduler: LrScheduler, options: { trackBest?: boolean } = {}): Promise<void> {
    const metrics = await this.evaluate();
    const entry = { ...metrics, epoch: round(this.state.epoch), step: this.state.globalStep };
    this.state.logHistory.push(entry);
    const event: EvalEvent = { type: 'eval', time: Date.now(), step: this.state.globalStep, epoch: entry.epoch, metrics: finiteOnly(metrics) };
    this.events?.emit(event);
    // HF calls on_evaluate before it updates the best metric: callbacks compare against the previous best.
    await this.callbackHandler.call('onEvaluate', { args: this.args, state: this.state, control: this.control, metrics });
    if (options.trackBest === false) return;
    const selection = resolveBestModelMetric(this.args);
    if (selection) {
      const value = metrics[selection.logKey];
      if (value === undefined) {
        throw new TrainerError(
          `metric_for_best_model is "${selection.metric}", but the evaluation computed only ${Object.keys(metrics).join(', ')}. Add it to \`metrics\` or pick one of those.`,
        );
      }
      const better = selection.greaterIsBetter ? value > (this.state.bestMetric ?? -Infinity) : value < (this.state.bestMetric ?? Infinity);
      if (better) {
        this.state.bestMetric = value;
        this.bestGlobalStep = this.state.globalStep;
      }
    }
    // HF steps ReduceLROnPlateau with the best-model metric (eval_loss by default).
    scheduler.reportMetric?.(metrics[selection?.logKey ?? 'eval_loss'] ?? metrics.eval_loss);
  }

  private checkpointDir(step: number): string {
    return join(this.outputDir, `checkpoint-${step}`);
  }

  private async saveCheckpoint(position: LoopPosition, optimizer: TrainerOptimizer, scheduler: LrScheduler): Promise<string> {
    const step = this.state.globalStep;
    if (this.bestGlobalStep === step) this.state.bestModelCheckpoint = this.checkpointDir(step);
    const saved: LoopPosition = {
      ...position,
      earlyStopping: this.earlyStopping?.getState(),
      bestGlobalStep: this.bestGlobalStep,
    };
    const dir = await writeCheckpoint(
      this.outputDir,
      step,
      {
        writeModel: this.saveModel,
        optimizer: await optimizer.getState(),
        scheduler: scheduler.getState(),
        position: saved,
        trainerState: this.state.toJson(),
        trainingArgs: this.args,
      },
    );
    const deleted = rotateCheckpoints(this.outputDir, this.args.save_total_limit, this.state.bestModelCheckpoint);
    const event: CheckpointEvent = {
      type: 'checkpoint',
      time: Date.now(),
      step,
      path: dir,
      isBest: this.state.bestModelCheckpoint === dir,
      deleted,
    };
    this.events?.emit(event);
    await this.callbackHandler.call('onSave', { args: this.args, state: this.state, control: this.control, checkpoint: dir });
    return dir;
  }

  private resolveResumeCheckpoint(request: string | boolean | undefined): string | undefined {
    if (request === undefined || request === false) return undefined;
    if (request === true) {
      const latest = latestCheckpoint(this.outputDir);
      if (!latest) throw new TrainerError(`resume_from_checkpoint is true, but ${this.outputDir} has no checkpoint yet. Start without resuming.`);
      return latest;
    }
    return request;
  }

  private async loadCheckpointState(dir: string, optimizer: TrainerOptimizer, scheduler: LrScheduler): Promise<SavedRun> {
    const checkpoint = await readCheckpoint(dir);
    await loadWeightsInto(this.model, dir);
    optimizer.setState(checkpoint.optimizer);
    scheduler.setState(checkpoint.scheduler);
    const restored = TrainerState.fromJson(checkpoint.trainerState);
    this.state.globalStep = restored.globalStep;
    this.state.epoch = restored.epoch;
    this.state.bestMetric = restored.bestMetric;
    this.state.bestModelCheckpoint = restored.bestModelCheckpoint;
    this.state.logHistory = restored.logHistory;
    this.bestGlobalStep = checkpoint.position.bestGlobalStep;
    if (checkpoint.position.earlyStopping) this.earlyStopping?.setState(checkpoint.position.earlyStopping);
    return {
      checkpoint: dir,
      args: checkpoint.trainingArgs as Partial<TrainingArguments> | undefined,
      trainBatchSize: restored.trainBatchSize,
      globalStep: restored.globalStep,
      position: checkpoint.position,
    };
  }
}

/** JSON (metrics.jsonl, IPC) cannot carry NaN or Infinity: such values are left out of events. */
function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return value === null ? 'null' : typeof value;
}
