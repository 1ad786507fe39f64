/**
 * The public `finetune-studio` module: what custom trainer modules and API users import.
 * The running core hands this very module to user code, so `tf` here is the core's tfjs.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export { Trainer, type TrainerOptions, type TrainOutput, type ComputeLossFunc, type ComputeLossResult } from './trainer/trainer';
export { TrainerState, TrainerControl, type TrainerStateJson, type LogHistoryEntry } from './trainer/state';
export { EarlyStoppingCallback, type TrainerCallback, type CallbackContext } from './trainer/callbacks';
export { TrainerError } from './trainer/errors';
export { createLoss, labelSmoother } from './trainer/losses';
export { createOptimizer } from './trainer/optimizers';
export { createScheduler, getWarmupSteps } from './trainer/schedulers';
export { computeBuiltinMetrics } from './trainer/metrics';
export { clipGradNorm } from './trainer/gradients';
export type {
  Inputs,
  ModelOutput,
  ForwardOptions,
  NamedWeight,
  TrainableModel,
  LossFunction,
  LossContext,
  TrainerOptimizer,
  LrScheduler,
  EvalPrediction,
  ComputeMetrics,
  SerializedState,
} from './trainer/types';
export type { TensorDataset } from './trainer/data';
export type { TrainingStepOptions } from './trainer/loop-state';
export type { TrainerConfig, TrainingArguments, ModelConfig, DataConfig, LossKwargs } from './config/schema';
export type * from './protocol/events';
