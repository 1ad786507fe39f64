/**
 * Fixtures of the causal-LM parity tests: tiny random GPT-2, Llama (sharded) and Qwen2 checkpoints and
 * golden values made with transformers by `.venv/bin/python scripts/make-lm-fixtures.py` (regenerate
 * with that command).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TensorDataset } from '../../../../src/trainer/data';
import { decodeSafetensors } from '../../../../src/trainer/io/safetensors';
import type { Inputs } from '../../../../src/trainer/types';

export const FIXTURES = resolve(__dirname, '..', '..', '..', 'fixtures', 'hf-lm');
export const REGENERATE = '.venv/bin/python scripts/make-lm-fixtures.py';
export const LM_FIXTURES = ['gpt2', 'llama', 'qwen2', 'mistral'] as const;
export const TRAINED_FIXTURES = ['gpt2', 'llama'] as const;

export interface LmGolden {
  model_type: string;
  architecture: string;
  texts: string[];
  encodings: Array<{ input_ids: number[]; attention_mask: number[] }>;
  pad_token_id: number;
  train_ids: number[][];
  train_eval_loss: number;
  train?: { steps: number; learning_rate: number; weight_decay: number; max_grad_norm: number; batch_size: number; losses: number[]; grad_norms: number[] };
}

export function fixtureDir(name: string): string {
  return join(FIXTURES, name);
}

export function golden(name: string): LmGolden {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'golden.json'), 'utf8')) as LmGolden;
}

/** transformers' logits of the golden batch, [rows, length, vocab]. */
export function goldenLogits(name: string): { data: Float32Array; shape: number[] } {
  const file = join(FIXTURES, name, 'golden.safetensors');
  const entry = decodeSafetensors(readFileSync(file), file).tensors.logits;
  return { data: entry.data as Float32Array, shape: entry.shape };
}

/** Rows padded on the right to the longest, as DataCollatorForLanguageModeling does. */
export function paddedBatch(rows: number[][], padId: number): { input_ids: tf.Tensor2D; attention_mask: tf.Tensor2D } {
  const length = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...r, ...new Array<number>(length - r.length).fill(padId)]);
  const mask = rows.map((r) => [...r.map(() => 1), ...new Array<number>(length - r.length).fill(0)]);
  return { input_ids: tf.tensor2d(ids, undefined, 'int32'), attention_mask: tf.tensor2d(mask, undefined, 'float32') };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/**
 * The largest difference of two [rows, length, vocab] logit arrays at the rows' real tokens: a
 * right-padded position is left out. With a sliding window its query sees only padding keys, and
 * transformers itself gives different values there with sdpa and with eager attention (4.2 apart on
 * the mistral fixture); no loss and no generation reads them.
 */
export function maxAbsDiffAtTokens(a: ArrayLike<number>, b: ArrayLike<number>, rowLengths: readonly number[]): number {
  const rows = rowLengths.length;
  const length = Math.max(...rowLengths);
  const vocab = a.length / (rows * length);
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    for (let i = r * length * vocab; i < (r * length + rowLengths[r]) * vocab; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

/**
 * Token rows as a causal-LM dataset for the Trainer, as DataCollatorForLanguageModeling batches them:
 * padded on the right per batch, labels = input ids with padding -100.
 */
export class TokenRowsDataset implements TensorDataset {
  readonly size: number;
  readonly inputNames = ['input_ids', 'attention_mask'] as const;
  readonly labels = new Int32Array(0);

  constructor(
    private readonly rows: number[][],
    private readonly padId: number,
  ) {
    this.size = rows.length;
  }

  batch(indices: ArrayLike<number>): Inputs {
    const rows = Array.from(indices, (i) => this.rows[i]);
    const { input_ids, attention_mask } = paddedBatch(rows, this.padId);
    const labels = tf.tidy(() => tf.where(tf.equal(attention_mask, 1), input_ids, tf.fill(input_ids.shape, -100, 'int32')));
    return { input_ids, attention_mask, labels };
  }

  countLabelItems(indices: ArrayLike<number>): number {
    return Array.from(indices, (i) => this.rows[i].length).reduce((a, b) => a + b, 0);
  }
}
