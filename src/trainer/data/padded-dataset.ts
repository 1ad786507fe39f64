import * as tf from '@tensorflow/tfjs';
import type { Inputs } from '../types';
import type { TensorDataset } from './dataset';
import { IGNORE_INDEX } from './labels';

export interface TokenRows {
  ids: Int32Array[];
  /** Token-type ids per row; absent for models without them. */
  typeIds?: Int32Array[];
  padId: number;
}

/**
 * Tokenized rows of different lengths, padded per batch to its longest row (transformers'
 * DataCollatorWithPadding): input_ids, attention_mask, token_type_ids and labels.
 * Multi-label labels are `labelWidth` floats per row.
 */
export class PaddedTextDataset implements TensorDataset {
  readonly size: number;
  readonly inputNames: readonly string[];

  constructor(
    private readonly rows: TokenRows,
    readonly labels: Float32Array | Int32Array,
    private readonly labelWidth = 1,
  ) {
    this.size = rows.ids.length;
    this.inputNames = rows.typeIds ? ['input_ids', 'attention_mask', 'token_type_ids'] : ['input_ids', 'attention_mask'];
    if (labels.length !== this.size * labelWidth) throw new Error(`PaddedTextDataset: ${labels.length} label values for ${this.size} rows × ${labelWidth}`);
  }

  batch(indices: ArrayLike<number>): Inputs {
    const n = indices.length;
    let length = 1;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`batch index ${i} is outside [0, ${this.size})`);
      length = Math.max(length, this.rows.ids[i].length);
    }
    const ids = new Int32Array(n * length).fill(this.rows.padId);
    const mask = new Float32Array(n * length);
    const types = this.rows.typeIds ? new Int32Array(n * length) : undefined;
    for (let k = 0; k < n; k++) {
      const row = this.rows.ids[indices[k]];
      ids.set(row, k * length);
      mask.fill(1, k * length, k * length + row.length);
      if (types && this.rows.typeIds) types.set(this.rows.typeIds[indices[k]], k * length);
    }
    const width = this.labelWidth;
    const labels = this.labels instanceof Int32Array ? new Int32Array(n * width) : new Float32Array(n * width);
    for (let k = 0; k < n; k++) labels.set(this.labels.subarray(indices[k] * width, (indices[k] + 1) * width), k * width);
    const dtype = labels instanceof Int32Array ? 'int32' : 'float32';
    return {
      input_ids: tf.tensor2d(ids, [n, length], 'int32'),
      attention_mask: tf.tensor2d(mask, [n, length], 'float32'),
      ...(types ? { token_type_ids: tf.tensor2d(types, [n, length], 'int32') } : {}),
      labels: width === 1 ? tf.tensor1d(labels, dtype) : tf.tensor2d(labels, [n, width], dtype),
    };
  }

  countLabelItems(indices: ArrayLike<number>, ignoreIndex = IGNORE_INDEX): number {
    if (!(this.labels instanceof Int32Array)) return indices.length * this.labelWidth;
    let count = 0;
    for (let k = 0; k < indices.length; k++) if (this.labels[indices[k]] !== ignoreIndex) count++;
    return count;
  }
}
