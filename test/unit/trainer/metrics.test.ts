import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeBuiltinMetrics } from '../../../src/trainer/metrics';
import { isLowerBetterMetric } from '../../../src/config/resolve';
import type { EvalPrediction } from '../../../src/trainer/types';

/** Logit rows whose argmax is each predicted class (the other logits vary so argmax is exercised). */
function classification(yTrue: number[], yPred: number[], numLabels: number): EvalPrediction {
  const predictions = new Float32Array(yTrue.length * numLabels);
  yPred.forEach((p, row) => {
    for (let c = 0; c < numLabels; c++) predictions[row * numLabels + c] = c === p ? 2.5 : -1 + 0.3 * ((row + c) % 3);
  });
  return { predictions, labels: Float32Array.from(yTrue), numRows: yTrue.length, numLabels };
}

function assertMetrics(actual: Record<string, number>, expected: Record<string, number>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs(actual[k] - v) < 1e-9, `${k}: ${actual[k]} vs ${v}`);
}

const ALL_CLASSIFICATION = [
  'accuracy',
  'f1',
  'precision',
  'recall',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'f1_micro',
  'precision_micro',
  'recall_micro',
];

test('binary: f1/precision/recall are of the positive class; macro averages both classes', () => {
  // true 1 1 1 0 0 0 1 0 / pred 1 0 1 1 0 0 0 0
  // class 1: tp 2, fp 1, fn 2 -> P 2/3, R 1/2, F1 4/7
  // class 0: tp 3, fp 2, fn 1 -> P 3/5, R 3/4, F1 2/3
  const p = classification([1, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 0, 0], 2);
  assertMetrics(computeBuiltinMetrics(ALL_CLASSIFICATION, p), {
    accuracy: 5 / 8,
    precision: 2 / 3,
    recall: 1 / 2,
    f1: 4 / 7,
    precision_macro: (2 / 3 + 3 / 5) / 2,
    recall_macro: (1 / 2 + 3 / 4) / 2,
    f1_macro: (4 / 7 + 2 / 3) / 2,
    precision_micro: 5 / 8,
    recall_micro: 5 / 8,
    f1_micro: 5 / 8,
  });
});

test('multi-class: plain f1/precision/recall are macro; micro equals accuracy', () => {
  // true 0 0 0 0 1 1 2 2 / pred 0 0 1 2 1 1 1 0
  // class 0: tp 2, fp 1, fn 2 -> P 2/3, R 1/2, F1 4/7
  // class 1: tp 2, fp 2, fn 0 -> P 1/2, R 1,   F1 2/3
  // class 2: tp 0, fp 1, fn 2 -> P 0,   R 0,   F1 0
  // class 3 appears in neither labels nor predictions, so it is not averaged (sklearn unique_labels).
  const p = classification([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 1, 1, 1, 0], 4);
  const macroP = (2 / 3 + 1 / 2 + 0) / 3;
  const macroR = (1 / 2 + 1 + 0) / 3;
  const macroF = (4 / 7 + 2 / 3 + 0) / 3;
  assertMetrics(computeBuiltinMetrics(ALL_CLASSIFICATION, p), {
    accuracy: 0.5,
    precision: macroP,
    recall: macroR,
    f1: macroF,
    precision_macro: macroP,
    recall_macro: macroR,
    f1_macro: macroF,
    precision_micro: 0.5,
    recall_micro: 0.5,
    f1_micro: 0.5,
  });
});

test('zero division gives 0, as sklearn with zero_division=0', () => {
  const noPositivePredictions = classification([1, 0, 1, 0], [0, 0, 0, 0], 2);
  assertMetrics(computeBuiltinMetrics(['precision', 'recall', 'f1', 'accuracy'], noPositivePredictions), {
    precision: 0,
    recall: 0,
    f1: 0,
    accuracy: 0.5,
  });
  const empty = classification([], [], 3);
  assertMetrics(computeBuiltinMetrics(['accuracy', 'f1', 'f1_micro'], empty), { accuracy: 0, f1: 0, f1_micro: 0 });
});

test('rows labelled -100 are skipped by classification metrics', () => {
  const p = classification([1, -100, 0, -100], [1, 0, 0, 1], 2);
  assertMetrics(computeBuiltinMetrics(['accuracy', 'f1'], p), { accuracy: 1, f1: 1 });
});

test('a single logit per row is binary: positive logit means class 1', () => {
  const p: EvalPrediction = { predictions: Float32Array.from([0.7, -0.2, 1.5, -3]), labels: Float32Array.from([1, 1, 0, 0]), numRows: 4, numLabels: 1 };
  // pred 1 0 1 0: tp 1, fp 1, fn 1
  assertMetrics(computeBuiltinMetrics(['accuracy', 'precision', 'recall'], p), { accuracy: 0.5, precision: 0.5, recall: 0.5 });
});

test('mse, mae and perplexity', () => {
  const p: EvalPrediction = { predictions: Float32Array.from([1, 2, 3]), labels: Float32Array.from([1.5, 2, 1]), numRows: 3, numLabels: 1 };
  assertMetrics(computeBuiltinMetrics(['mse', 'mae', 'perplexity'], p, 2), { mse: (0.25 + 0 + 4) / 3, mae: (0.5 + 0 + 2) / 3, perplexity: Math.exp(2) });
  assert.throws(() => computeBuiltinMetrics(['perplexity'], p), /needs the evaluation loss/);
  assert.throws(() => computeBuiltinMetrics(['mse'], classification([0, 1], [0, 1], 2)), /one prediction per row/);
});

test('unknown metric names and inconsistent sizes are errors', () => {
  const p = classification([0, 1], [0, 1], 2);
  assert.throws(() => computeBuiltinMetrics(['acc'], p), /Unknown metric "acc". Built-in metrics: accuracy/);
  assert.throws(() => computeBuiltinMetrics(['accuracy'], { ...p, numRows: 3 }), /sizes disagree/);
});

test('isLowerBetterMetric: losses and errors are lower-is-better, with or without eval_', () => {
  for (const name of ['loss', 'eval_loss', 'mse', 'eval_mae', 'perplexity', 'eval_perplexity', 'my_custom_loss']) assert.equal(isLowerBetterMetric(name), true, name);
  for (const name of ['accuracy', 'eval_accuracy', 'f1', 'eval_f1_macro', 'recall_micro']) assert.equal(isLowerBetterMetric(name), false, name);
});
