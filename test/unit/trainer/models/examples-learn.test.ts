/**
 * The shipped examples must be learnable but not trivial: a bare Adam loop over each example's
 * own config reaches well above chance within a few epochs on the cpu backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerFastKernels } from '../../../../src/trainer/backends/kernels';
import { trainExample } from './example-training';

const examples = resolve(import.meta.dirname, '../../../../examples');

test.before(async () => {
  await tf.setBackend('cpu');
  registerFastKernels('cpu'); // tfjs' own cpu UnsortedSegmentSum (the embedding gradient) is very slow
});

test('sentiment: the text classifier passes 85% eval accuracy in 2 epochs', async () => {
  const run = await trainExample(resolve(examples, 'sentiment/sentiment.trainer.yaml'), 2);
  assert.ok(run.accuracy > 0.85, `accuracy ${run.accuracy}`);
});

test('tabular: the MLP learns the nonlinear three-class rule', async () => {
  const run = await trainExample(resolve(examples, 'tabular/tabular.trainer.yaml'), 12);
  assert.ok(run.accuracy > 0.85, `accuracy ${run.accuracy}`);
});

test('focal-loss data: imbalanced but learnable (rare-class F1 rises with training)', async () => {
  const run = await trainExample(resolve(examples, 'focal-loss/focal-loss.trainer.yaml'), 3);
  assert.ok(run.accuracy > 0.95, `accuracy ${run.accuracy}`);
  assert.ok(run.f1 > 0.6, `f1 of "urgent" ${run.f1}`);
});
