import * as tf from '@tensorflow/tfjs';
import type { Inputs } from '../../types';
import type { TensorDataset } from '../dataset';
import { IGNORE_INDEX } from '../labels';

/** Token sequences for a causal language model: one per row, or one per packed block. */
export interface CausalSequences {
  ids: Int32Array[];
  /** Per token: the token id where it is a target, IGNORE_INDEX where it is not (the loss shifts them). */
  labels: Int32Array[];
  /** Packed blocks (TRL's bfd): positions that restart at each row of the block. */
  positionIds?: Int32Array[];
  padId: number;
}

/**
 * A causal-LM dataset padded per batch to its longest sequence (TRL's DataCollatorForLanguageModeling):
 * input_ids (padded with padId), attention_mask (0 on padding), labels (IGNORE_INDEX on padding) and,
 * for bfd-packed blocks, position_ids (0 on padding).
 */
export class CausalLmDataset implements TensorDataset {
  readonly size: number;
  readonly inputNames: readonly string[];
  /** Causal rows have no per-row label: the targets are `labels` in each batch. Zeros, one per sequence. */
  readonly labels: Int32Array;

  constructor(private readonly sequences: CausalSequences) {
    this.size = sequences.ids.length;
    this.labels = new Int32Array(this.size);
    this.inputNames = sequences.positionIds ? ['input_ids', 'attention_mask', 'position_ids'] : ['input_ids', 'attention_mask'];
    sequences.ids.forEach((ids, i) => {
      if (sequences.labels[i].length !== ids.length) throw new Error(`CausalLmDataset: sequence ${i} has ${ids.length} ids and ${sequences.labels[i].length} labels`);
    });
  }

  /** Tokens of the longest sequence: the widest batch this dataset pads to. */
  longestSequence(): number {
    return this.sequences.ids.reduce((longest, ids) => Math.max(longest, ids.length), 0);
  }

  /** The token ids of one sequence (without padding). */
  sequence(index: number): Int32Array {
    return this.sequences.ids[index];
  }

  batch(indices: ArrayLike<number>): Inputs {
    const n = indices.length;
    let length = 1;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`batch index ${i} is outside [0, ${this.size})`);
      length = Math.max(length, this.sequences.ids[i].length);
    }
    const ids = new Int32Array(n * length).fill(this.sequences.padId);
    const mask = new Float32Array(n * length);
    const labels = new Int32Array(n * length).fill(IGNORE_INDEX);
    const positions = this.sequences.positionIds ? new Int32Array(n * length) : undefined;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      const row = this.sequences.ids[i];
      ids.set(row, k * length);
      mask.fill(1, k * length, k * length + row.length);
      labels.set(this.sequences.labels[i], k * length);
      if (positions && this.sequences.positionIds) positions.set(this.sequences.positionIds[i], k * length);
    }
    return {
      input_ids: tf.tensor2d(ids, [n, length], 'int32'),
      attention_mask: tf.tensor2d(mask, [n, length], 'float32'),
      ...(positions ? { position_ids: tf.tensor2d(positions, [n, length], 'int32') } : {}),
      labels: tf.tensor2d(labels, [n, length], 'int32'),
    };
  }

  /**
   * Targets the loss counts: labels other than `ignoreIndex` after the shift, i.e. from each
   * sequence's second token on (transformers' Trainer counts `labels[..., 1:]` for causal LMs).
   */
  countLabelItems(indices: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): number {
    let count = 0;
    for (let k = 0; k < indices.length; k++) count += countTargets(this.sequences.labels[indices[k]], ignoreIndex);
    return count;
  }

  /** What the Trainer asks a dataset for a model whose loss shifts the labels: the same count, without building tensors. */
  countShiftedLabelItems(indices: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): number {
    return this.countLabelItems(indices, ignoreIndex);
  }
}

/** Labels after the shift that are targets. */
export function countTargets(labels: Int32Array, ignoreIndex = IGNORE_INDEX): number {
  let count = 0;
  for (let t = 1; t < labels.length; t++) if (labels[t] !== ignoreIndex) count++;
  return count;
}
