/**
 * Built-in evaluation metrics over gathered predictions, with scikit-learn's definitions:
 * `f1`/`precision`/`recall` are average='binary' (positive class 1) for two classes and macro
 * otherwise; macro averages over the classes present in labels or predictions (sklearn's
 * unique_labels); a zero denominator gives 0 (zero_division=0).
 */
import { METRICS, type MetricName } from '../config/schema';
import type { EvalPrediction } from './types';

/** Label value of rows that do not count (HF's ignore index); they are skipped by classification metrics. */
const IGNORE_LABEL = -100;

/**
 * Computes the named metrics. Keys are the names as given (no `eval_` prefix; the Trainer adds it).
 * Classification metrics take the argmax of each row's logits (a single logit per row: > 0 is
 * class 1). `mse`/`mae` need one prediction per row; `perplexity` needs `evalLoss`.
 */
export function computeBuiltinMetrics(names: readonly string[], prediction: EvalPrediction, evalLoss?: number): Record<string, number> {
  const out: Record<string, number> = {};
  let counts: ClassCounts | undefined;
  const classCounts = () => (counts ??= countClasses(prediction));
  for (const name of names) {
    if (!isMetricName(name)) {
      throw new Error(`Unknown metric "${name}". Built-in metrics: ${Object.keys(METRICS).join(', ')}.`);
    }
    out[name] = computeOne(name, prediction, classCounts, evalLoss);
  }
  return out;
}

function isMetricName(name: string): name is MetricName {
  return Object.prototype.hasOwnProperty.call(METRICS, name);
}

function computeOne(name: MetricName, prediction: EvalPrediction, classCounts: () => ClassCounts, evalLoss: number | undefined): number {
  switch (name) {
    case 'accuracy': {
      const c = classCounts();
      return safeDiv(c.correct, c.rows);
    }
    case 'precision':
    case 'recall':
    case 'f1': {
      const c = classCounts();
      return c.binary ? scoresOf(c, 1)[name] : macro(c, name);
    }
    case 'precision_macro':
    case 'recall_macro':
    case 'f1_macro':
      return macro(classCounts(), baseName(name));
    case 'precision_micro':
    case 'recall_micro':
    case 'f1_micro':
      return micro(classCounts())[baseName(name)];
    case 'mse':
      return regressionMean(prediction, name, (d) => d * d);
    case 'mae':
      return regressionMean(prediction, name, Math.abs);
    case 'perplexity':
      if (evalLoss === undefined) throw new Error('perplexity needs the evaluation loss; pass evalLoss to computeBuiltinMetrics.');
      return Math.exp(evalLoss);
  }
}

type Score = 'precision' | 'recall' | 'f1';

function baseName(name: `${Score}_${'macro' | 'micro'}`): Score {
  return name.slice(0, name.lastIndexOf('_')) as Score;
}

interface ClassCounts {
  rows: number;
  correct: number;
  binary: boolean;
  tp: Map<number, number>;
  fp: Map<number, number>;
  fn: Map<number, number>;
  /** Classes seen in labels or predictions, as sklearn's unique_labels. */
  present: Set<number>;
}

function predictedClass(prediction: EvalPrediction, row: number): number {
  const { predictions, numLabels } = prediction;
  if (numLabels === 1) return predictions[row] > 0 ? 1 : 0;
  let best = 0;
  for (let c = 1; c < numLabels; c++) {
    if (predictions[row * numLabels + c] > predictions[row * numLabels + best]) best = c;
  }
  return best;
}

function countClasses(prediction: EvalPrediction): ClassCounts {
  checkSizes(prediction);
  const counts: ClassCounts = {
    rows: 0,
    correct: 0,
    binary: prediction.numLabels <= 2,
    tp: new Map(),
    fp: new Map(),
    fn: new Map(),
    present: new Set(),
  };
  const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let row = 0; row < prediction.numRows; row++) {
    const label = prediction.labels[row];
    if (label === IGNORE_LABEL) continue;
    const predicted = predictedClass(prediction, row);
    counts.rows++;
    counts.present.add(label).add(predicted);
    if (predicted === label) {
      counts.correct++;
      bump(counts.tp, label);
    } else {
      bump(counts.fp, predicted);
      bump(counts.fn, label);
    }
  }
  return counts;
}

function scoresOf(c: ClassCounts, cls: number): Record<Score, number> {
  const tp = c.tp.get(cls) ?? 0;
  const precision = safeDiv(tp, tp + (c.fp.get(cls) ?? 0));
  const recall = safeDiv(tp, tp + (c.fn.get(cls) ?? 0));
  return { precision, recall, f1: safeDiv(2 * precision * recall, precision + recall) };
}

function macro(c: ClassCounts, score: Score): number {
  if (c.present.size === 0) return 0;
  let total = 0;
  for (const cls of c.present) total += scoresOf(c, cls)[score];
  return total / c.present.size;
}

function micro(c: ClassCounts): Record<Score, number> {
  const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const tp = sum(c.tp);
  const precision = safeDiv(tp, tp + sum(c.fp));
  const recall = safeDiv(tp, tp + sum(c.fn));
  return { precision, recall, f1: safeDiv(2 * precision * recall, precision + recall) };
}

function regressionMean(prediction: EvalPrediction, name: string, f: (difference: number) => number): number {
  checkSizes(prediction);
  if (prediction.numLabels !== 1) {
    throw new Error(`${name} needs one prediction per row (num_labels: 1, regression); this model has ${prediction.numLabels} outputs.`);
  }
  let total = 0;
  for (let row = 0; row < prediction.numRows; row++) total += f(prediction.predictions[row] - prediction.labels[row]);
  return safeDiv(total, prediction.numRows);
}

function checkSizes(p: EvalPrediction): void {
  if (p.predictions.length !== p.numRows * p.numLabels || p.labels.length !== p.numRows) {
    throw new Error(
      `EvalPrediction sizes disagree: ${p.predictions.length} predictions and ${p.labels.length} labels for ${p.numRows} rows of ${p.numLabels} labels.`,
    );
  }
}

function safeDiv(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
