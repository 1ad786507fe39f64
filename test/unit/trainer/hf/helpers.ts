/**
 * Fixtures of the Hugging Face parity tests: tiny random checkpoints and golden values made with
 * transformers by `.venv/bin/python scripts/make-hf-fixtures.py` (regenerate with that command).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export const FIXTURES = resolve(__dirname, '..', '..', '..', 'fixtures', 'hf');
export const REGENERATE = '.venv/bin/python scripts/make-hf-fixtures.py';
export const FIXTURE_NAMES = ['bert', 'roberta', 'distilbert'] as const;

export interface Golden {
  model_type: string;
  task: string;
  max_length: number;
  texts: string[];
  pairs: string[] | null;
  encodings: Array<{ input_ids: number[]; attention_mask: number[]; token_type_ids?: number[] }>;
  logits: number[][];
  train_eval_loss: number;
  train: { steps: number; learning_rate: number; weight_decay: number; max_grad_norm: number; batch_size: number; losses: number[]; grad_norms: number[] };
}

export function fixtureDir(name: string): string {
  return join(FIXTURES, name);
}

export function golden(name: string): Golden {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'golden.json'), 'utf8')) as Golden;
}

/** The golden encodings padded to the longest row, as DataCollatorWithPadding does. */
export function paddedBatch(g: Golden, padId: number): Record<string, tf.Tensor> {
  const length = Math.max(...g.encodings.map((e) => e.input_ids.length));
  const pad = (rows: number[][], value: number) => rows.map((r) => [...r, ...new Array<number>(length - r.length).fill(value)]);
  const batch: Record<string, tf.Tensor> = {
    input_ids: tf.tensor2d(pad(g.encodings.map((e) => e.input_ids), padId), undefined, 'int32'),
    attention_mask: tf.tensor2d(pad(g.encodings.map((e) => e.attention_mask), 0), undefined, 'float32'),
  };
  if (g.encodings[0].token_type_ids) batch.token_type_ids = tf.tensor2d(pad(g.encodings.map((e) => e.token_type_ids ?? []), 0), undefined, 'int32');
  return batch;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
