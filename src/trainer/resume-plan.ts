/**
 * Resuming with different batch settings. The checkpoint's position counts optimizer steps of
 * its own batch layout; with another batch size, accumulation, drop_last or dataset those steps
 * cover other rows. HF warns and carries on; we say what changed and where the run resumes,
 * and refuse when the saved data position cannot be reached exactly with the new batches.
 */
import { basename } from 'node:path';
import type { TotalSteps } from '../config/resolve';
import type { TrainingArguments } from '../config/schema';
import type { LoopPosition } from './checkpoints';
import { TrainerError } from './errors';

/** The arguments that decide which rows an optimizer step reads. */
const BATCH_LAYOUT = ['per_device_train_batch_size', 'gradient_accumulation_steps', 'dataloader_drop_last'] as const;
/** Compared as HF's compare_trainer_and_checkpoint_args does: a warning, nothing else changes. */
const INTERVALS = ['logging_steps', 'eval_steps', 'save_steps'] as const;

export interface SavedRun {
  checkpoint: string;
  /** training_args.json of the checkpoint (absent in very old ones). */
  args: Partial<TrainingArguments> | undefined;
  /** trainer_state.json's train_batch_size, when training_args.json is missing. */
  trainBatchSize: number;
  globalStep: number;
  position: LoopPosition;
}

export interface CurrentRun {
  args: TrainingArguments;
  trainRows: number;
  plan: TotalSteps;
}

export interface ResumePlan {
  position: LoopPosition;
  /** Said to the user before training continues. */
  warnings: string[];
}

export function planResume(saved: SavedRun, current: CurrentRun): ResumePlan {
  const name = basename(saved.checkpoint);
  const old: Record<string, unknown> = { per_device_train_batch_size: saved.trainBatchSize, ...saved.args };
  const changes: string[] = [];
  for (const key of BATCH_LAYOUT) {
    if (old[key] !== undefined && old[key] !== current.args[key]) changes.push(`${key}: ${String(old[key])} → ${String(current.args[key])}`);
  }
  const oldRows = saved.position.trainRows;
  if (oldRows !== undefined && oldRows !== current.trainRows) changes.push(`training examples: ${oldRows} → ${current.trainRows}`);
  const warnings: string[] = [];
  const intervalChanges = INTERVALS.filter((k) => saved.args?.[k] != null && saved.args[k] !== current.args[k]).map(
    (k) => `${k}: ${String(saved.args?.[k])} → ${String(current.args[k])}`,
  );
  if (intervalChanges.length > 0) warnings.push(`Resuming ${name} with other intervals than it was saved with (${intervalChanges.join(', ')}); the new values apply from here.`);
  if (changes.length === 0) return { position: saved.position, warnings };

  const what = `${name} was saved with other batches than this run (${changes.join(', ')})`;
  const keep = `Resume with the checkpoint's settings, or start afresh with --overwrite-output-dir`;
  let position = saved.position;
  if (position.updateInEpoch > 0) {
    // Mid-epoch: the new batches must start exactly at the first row the old ones had not read.
    const oldBatch = Number(old.per_device_train_batch_size);
    const oldAccumulation = Number(old.gradient_accumulation_steps ?? current.args.gradient_accumulation_steps);
    const consumed = position.updateInEpoch * oldAccumulation * oldBatch;
    const perStep = current.args.per_device_train_batch_size * current.args.gradient_accumulation_steps;
    if (oldRows !== undefined && oldRows !== current.trainRows) {
      throw new TrainerError(`${what}. It stopped in the middle of epoch ${position.epoch + 1}, whose shuffled order depends on the number of examples, so that position cannot be resumed. ${keep}.`);
    }
    if (consumed % perStep !== 0 || consumed / perStep >= current.plan.stepsPerEpoch) {
      throw new TrainerError(
        `${what}. It stopped ${consumed} examples into epoch ${position.epoch + 1}, which is not a whole number of the new steps of ${perStep} examples: resuming would skip or repeat examples. ${keep}.`,
      );
    }
    position = { ...position, updateInEpoch: consumed / perStep };
  }
  if (saved.globalStep >= current.plan.totalSteps) {
    throw new TrainerError(
      `${what}. It is at step ${saved.globalStep}, but with the new batches the whole run is ${current.plan.totalSteps} steps: nothing would be trained. Raise num_train_epochs or max_steps, or ${keep.charAt(0).toLowerCase()}${keep.slice(1)}.`,
    );
  }
  warnings.push(
    `${what}. Resuming at epoch ${position.epoch + 1}, step ${position.updateInEpoch} of ${current.plan.stepsPerEpoch} in that epoch, with the new batches; global_step stays ${saved.globalStep}, the run now ends at step ${current.plan.totalSteps}, and the learning-rate schedule follows the new total.`,
  );
  return { position, warnings };
}
