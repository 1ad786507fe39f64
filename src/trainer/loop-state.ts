/**
 * What one `Trainer.train()` call changes as it runs, in one object: the loop's methods
 * (epoch, step, log, save) take it instead of sharing a dozen closure variables.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TotalSteps } from '../config/resolve';
import type { LoopPosition } from './checkpoints';
import type { TensorDataset } from './data';
import type { LrScheduler, TrainerOptimizer } from './types';

/** The arguments of one optimizer step (`Trainer.trainingStep`). */
export interface TrainingStepOptions {
  /** Row indices of each micro-batch the step accumulates over. */
  microBatches: Int32Array[];
  dataset: TensorDataset;
  /** The trainable variables, and each variable's weight name (gradients are applied by weight name). */
  variables: tf.Variable[];
  variableToWeight: Map<string, string>;
  optimizer: TrainerOptimizer;
  scheduler: LrScheduler;
  /** computeLoss divides by numItemsInBatch itself; when false each micro-batch loss is divided by their count. */
  normalisesByItems: boolean;
}

export interface LoopState {
  readonly plan: TotalSteps;
  readonly dataSeed: number;
  /** What every step of this run passes to trainingStep, besides its micro-batches. */
  readonly step: Readonly<Omit<TrainingStepOptions, 'microBatches'>>;
  /** The checkpoint this run resumed from, if any. */
  readonly resumeFrom: string | undefined;
  readonly startTime: number;
  readonly startStep: number;
  /** Saved with each checkpoint: where to resume. */
  position: LoopPosition;
  /** Step losses not read yet (reading one forces a device sync). */
  pendingLosses: tf.Scalar[];
  lastGradNorm: tf.Scalar | undefined;
  samplesSeen: number;
  samplesSinceLog: number;
  lastLogTime: number;
  lastLogStep: number;
  lastSavedStep: number;
  lastProgress: number;
  lastYield: number;
}

export function startPosition(trainRows: number): LoopPosition {
  return { epoch: 0, updateInEpoch: 0, lossSinceLog: 0, stepsSinceLog: 0, totalLossSum: 0, trainRows };
}

export function createLoopState(init: Pick<LoopState, 'plan' | 'dataSeed' | 'step' | 'resumeFrom' | 'startTime' | 'startStep' | 'position'>): LoopState {
  return {
    ...init,
    pendingLosses: [],
    lastGradNorm: undefined,
    samplesSeen: 0,
    samplesSinceLog: 0,
    lastLogTime: init.startTime,
    lastLogStep: init.startStep,
    // A resumed run has its starting step saved already.
    lastSavedStep: init.resumeFrom ? init.startStep : -1,
    lastProgress: 0,
    lastYield: init.startTime,
  };
}
