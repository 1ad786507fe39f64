import * as tf from '@tensorflow/tfjs';
import type { Inputs } from '../types';
import { IGNORE_INDEX } from './labels';

/** Examples held as typed arrays; `batch` copies the chosen rows into new tensors. */
export interface TensorDataset {
  readonly size: number;
  /** Input tensor names of a batch besides `labels`. */
  readonly inputNames: readonly string[];
  /** New tensors for the rows at `indices`; the caller disposes them. */
  batch(indices: ArrayLike<number>): Inputs;
  /** Label items that count toward the loss (labels equal to `ignoreIndex` excluded), for `numItemsInBatch`. */
  countLabelItems(indices: ArrayLike<number>, ignoreIndex?: number): number;
  /**
   * Items of `labels[..., 1:]` not equal to `ignoreIndex`: what a causal LM's shifted loss counts.
   * Optional; without it the Trainer counts them from the batch's label tensor.
   */
  countShiftedLabelItems?(indices: ArrayLike<number>, ignoreIndex?: number): number;
  /** Class ids (int32) for classification, targets (float32) for regression. */
  readonly labels: Float32Array | Int32Array;
}

/** One named input: `width` values per row, row-major. */
export interface InputBlock {
  name: string;
  width: number;
  data: Float32Array | Int32Array;
}

/** A dataset of fixed-width input blocks plus one label per row. */
export class BlockDataset implements TensorDataset {
  readonly size: number;
  readonly inputNames: readonly string[];

  constructor(
    private readonly blocks: readonly InputBlock[],
    readonly labels: Float32Array | Int32Array,
  ) {
    this.size = labels.length;
    this.inputNames = blocks.map((b) => b.name);
    for (const block of blocks) {
      if (block.data.length !== this.size * block.width) {
        throw new Error(`BlockDataset: input "${block.name}" has ${block.data.length} values, expected ${this.size} rows × ${block.width}`);
      }
    }
  }

  batch(indices: ArrayLike<number>): Inputs {
    const n = indices.length;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`batch index ${i} is outside [0, ${this.size})`);
    }
    const inputs: Record<string, tf.Tensor> = {};
    for (const { name, width, data } of this.blocks) {
      const out = data instanceof Int32Array ? new Int32Array(n * width) : new Float32Array(n * width);
      for (let k = 0; k < n; k++) out.set(data.subarray(indices[k] * width, (indices[k] + 1) * width), k * width);
      inputs[name] = tf.tensor2d(out, [n, width], out instanceof Int32Array ? 'int32' : 'float32');
    }
    const labels = this.labels instanceof Int32Array ? new Int32Array(n) : new Float32Array(n);
    for (let k = 0; k < n; k++) labels[k] = this.labels[indices[k]];
    return { ...inputs, labels: tf.tensor1d(labels, labels instanceof Int32Array ? 'int32' : 'float32') };
  }

  countLabelItems(indices: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): number {
    if (!(this.labels instanceof Int32Array)) return indices.length;
    let count = 0;
    for (let k = 0; k < indices.length; k++) if (this.labels[indices[k]] !== ignoreIndex) count++;
    return count;
  }
}
