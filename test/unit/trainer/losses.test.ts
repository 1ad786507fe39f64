import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { countLabelItems, countLabelItemsAsync, createLoss, labelSmoother } from '../../../src/trainer/losses';
import type { LossKwargs } from '../../../src/config/schema';

before(async () => {
  await tf.setBackend('cpu');
});

type Red = 'mean' | 'sum' | 'none' | 'batchmean';

// ---- plain-JS references, written from the torch.nn / HF formulas -------------------------------

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

function reduce(items: number[], reduction: Red, meanDenominator = items.length, batch = items.length): number | number[] {
  const sum = items.reduce((s, v) => s + v, 0);
  if (reduction === 'none') return items;
  if (reduction === 'sum') return sum;
  if (reduction === 'batchmean') return sum / batch;
  return sum / meanDenominator;
}

/** torch cross_entropy with class-index targets (nll_loss + label-smoothing path), or nll_loss when logProbsGiven. */
function refCrossEntropy(
  logits: number[][],
  labels: number[],
  o: { weight?: number[]; ignore?: number; eps?: number; reduction?: Red; logProbsGiven?: boolean },
): number | number[] {
  const ignore = o.ignore ?? -100;
  const eps = o.eps ?? 0;
  const reduction = o.reduction ?? 'mean';
  const C = logits[0].length;
  const w = o.weight ?? Array<number>(C).fill(1);
  const nll: number[] = [];
  const smooth: number[] = [];
  let weightSum = 0;
  logits.forEach((row, n) => {
    const lp = o.logProbsGiven ? row : logSoftmax(row);
    const y = labels[n];
    if (y === ignore) {
      nll.push(0);
      smooth.push(0);
      return;
    }
    nll.push(-w[y] * lp[y]);
    smooth.push(-lp.reduce((s, v, c) => s + v * w[c], 0));
    weightSum += w[y];
  });
  if (reduction === 'none') return nll.map((v, i) => (1 - eps) * v + (eps / C) * smooth[i]);
  const nllR = reduce(nll, reduction, weightSum) as number;
  const smoothR = reduce(smooth, reduction, weightSum) as number;
  return (1 - eps) * nllR + (eps / C) * smoothR;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function assertClose(actual: number | number[] | Float32Array | Int32Array | Uint8Array, expected: number | number[], tol = 1e-5): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : expected;
  assert.equal(a.length, e.length, `length ${a.length} vs ${e.length}`);
  e.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol * Math.max(1, Math.abs(v)), `[${i}] ${a[i]} vs ${v}`));
}

function run(name: string, kwargs: LossKwargs, logits: tf.Tensor, labels: tf.Tensor, numItemsInBatch?: number): number[] {
  const out = createLoss(name, kwargs)(logits, labels, numItemsInBatch === undefined ? undefined : { numItemsInBatch });
  const values = Array.from(out.dataSync());
  out.dispose();
  return values;
}

// ---- fixtures -----------------------------------------------------------------------------------

const LOGITS = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, 0.3],
  [-3.0, 4.0, 1.0],
  [1.5, 1.5, -2.0],
  [0.0, -0.5, 2.5],
];
const LABELS = [0, 2, 1, -100, 2];
const WEIGHT = [0.2, 1.0, 3.0];

test('CrossEntropy: each reduction, with ignore_index, against torch formulas', () => {
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(LABELS, 'int32');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('CrossEntropy', { reduction }, x, y), refCrossEntropy(LOGITS, LABELS, { reduction }));
  }
  tf.dispose([x, y]);
});

test('CrossEntropy with class weights is the weighted mean (divides by the sum of picked weights)', () => {
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(LABELS, 'int32');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('CrossEntropyLoss', { weight: WEIGHT, reduction }, x, y), refCrossEntropy(LOGITS, LABELS, { weight: WEIGHT, reduction }));
  }
  const plainMean = refCrossEntropy(LOGITS, LABELS, {}) as number;
  const weightedMean = run('CrossEntropy', { weight: WEIGHT }, x, y)[0];
  assert.ok(Math.abs(plainMean - weightedMean) > 1e-3, 'weights change the mean');
  tf.dispose([x, y]);
});

test('CrossEntropy label smoothing, with and without weights, custom ignore_index, float labels', () => {
  const labels = [0, 2, 1, 7, 2];
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(labels, 'float32');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const weight of [undefined, WEIGHT]) {
      const kwargs: LossKwargs = { label_smoothing: 0.2, ignore_index: 7, reduction, ...(weight ? { weight } : {}) };
      assertClose(run('CrossEntropy', kwargs, x, y), refCrossEntropy(LOGITS, labels, { eps: 0.2, ignore: 7, weight, reduction }));
    }
  }
  tf.dispose([x, y]);
});

test('CrossEntropy over sequences: logits [b, t, C] with labels [b, t]; none keeps the label shape', () => {
  const x = tf.tensor3d([LOGITS.slice(0, 2), LOGITS.slice(2, 4)]);
  const y = tf.tensor2d([LABELS.slice(0, 2), LABELS.slice(2, 4)], [2, 2], 'int32');
  const none = createLoss('CrossEntropy', { reduction: 'none' })(x, y);
  assert.deepEqual(none.shape, [2, 2]);
  none.dispose();
  assertClose(run('CrossEntropy', {}, x, y), refCrossEntropy(LOGITS.slice(0, 4), LABELS.slice(0, 4), {}));
  tf.dispose([x, y]);
});

test('numItemsInBatch: mean becomes sum / numItemsInBatch, so accumulated halves equal the full batch', () => {
  const loss = createLoss('CrossEntropy');
  const full = tf.tensor2d(LOGITS);
  const fullLabels = tf.tensor1d(LABELS, 'int32');
  const counted = countLabelItems(fullLabels);
  assert.equal(counted, 4);
  const fullMean = refCrossEntropy(LOGITS, LABELS, {}) as number;
  const parts = [
    [0, 2],
    [2, 5],
  ].map(([a, b]) => {
    const x = tf.tensor2d(LOGITS.slice(a, b));
    const y = tf.tensor1d(LABELS.slice(a, b), 'int32');
    const l = loss(x, y, { numItemsInBatch: counted });
    const v = l.dataSync()[0];
    assertClose(v, (refCrossEntropy(LOGITS.slice(a, b), LABELS.slice(a, b), { reduction: 'sum' }) as number) / counted);
    tf.dispose([x, y, l]);
    return v;
  });
  assertClose(parts[0] + parts[1], fullMean);
  // Reductions other than mean ignore it.
  assertClose(run('CrossEntropy', { reduction: 'sum' }, full, fullLabels, 100), refCrossEntropy(LOGITS, LABELS, { reduction: 'sum' }));
  tf.dispose([full, fullLabels]);
});

test('NLL takes log-probabilities, with weight and ignore_index', () => {
  const logProbs = LOGITS.map(logSoftmax);
  const x = tf.tensor2d(logProbs);
  const y = tf.tensor1d(LABELS, 'int32');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(
      run('NLLLoss', { weight: WEIGHT, reduction }, x, y),
      refCrossEntropy(logProbs, LABELS, { weight: WEIGHT, reduction, logProbsGiven: true }),
    );
  }
  tf.dispose([x, y]);
});

test('BCEWithLogits: weight, pos_weight, each reduction, stable at extreme logits', () => {
  const logits = [
    [0.3, -1.2],
    [100, -100],
    [-2.5, 4.0],
  ];
  const targets = [
    [1, 0],
    [0, 1],
    [0.3, 1],
  ];
  const weight = [0.5, 2];
  const posWeight = [3, 0.25];
  const ref = (w?: number[], pw?: number[]) =>
    logits.flatMap((row, i) =>
      row.map((x, j) => {
        const y = targets[i][j];
        const p = pw ? pw[j] : 1;
        // -[p·y·log σ(x) + (1-y)·log(1-σ(x))] with log σ(x) = -softplus(-x), log(1-σ(x)) = -softplus(x)
        const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        return (w ? w[j] : 1) * (p * y * softplus(-x) + (1 - y) * softplus(x));
      }),
    );
  const x = tf.tensor2d(logits);
  const y = tf.tensor2d(targets);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('BCEWithLogits', { reduction }, x, y), reduce(ref(), reduction) as number);
    assertClose(run('BCEWithLogitsLoss', { weight, pos_weight: posWeight, reduction }, x, y), reduce(ref(weight, posWeight), reduction));
  }
  assert.ok(run('BCEWithLogits', {}, x, y).every(Number.isFinite));
  tf.dispose([x, y]);
});

test('BCEWithLogits: binary logits [b, 1] against labels [b] are squeezed, not broadcast', () => {
  const x = tf.tensor2d([[0.5], [-1], [2]]);
  const y = tf.tensor1d([1, 0, 1], 'int32');
  const expected = [0.5, -1, 2].map((v, i) => -([1, 0, 1][i] * Math.log(sigmoid(v)) + (1 - [1, 0, 1][i]) * Math.log(1 - sigmoid(v))));
  assertClose(run('BCEWithLogits', { reduction: 'none' }, x, y), expected);
  tf.dispose([x, y]);
});

test('MSE and L1 over regression logits [b, 1] and labels [b]', () => {
  const preds = [1.5, -0.5, 2.0, 0.0];
  const targets = [1.0, 0.5, 2.0, -3.0];
  const x = tf.tensor2d(preds, [4, 1]);
  const y = tf.tensor1d(targets);
  const diffs = preds.map((p, i) => p - targets[i]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('MSELoss', { reduction }, x, y), reduce(diffs.map((d) => d * d), reduction));
    assertClose(run('L1', { reduction }, x, y), reduce(diffs.map(Math.abs), reduction));
  }
  const none = createLoss('MSE', { reduction: 'none' })(x, y);
  assert.deepEqual(none.shape, [4]);
  none.dispose();
  assertClose(run('MSE', {}, x, y, 8), diffs.reduce((s, d) => s + d * d, 0) / 8);
  tf.dispose([x, y]);
});

test('SmoothL1 (beta) and Huber (delta) on both sides of the threshold', () => {
  const preds = [0.2, -1.7, 3.0, 0.9, -0.1];
  const targets = [0.0, 0.0, 0.5, 0.0, 2.0];
  const x = tf.tensor1d(preds);
  const y = tf.tensor1d(targets);
  const d = preds.map((p, i) => Math.abs(p - targets[i]));
  const smoothL1 = (beta: number) => d.map((v) => (beta === 0 ? v : v < beta ? (0.5 * v * v) / beta : v - 0.5 * beta));
  const huber = (delta: number) => d.map((v) => (v < delta ? 0.5 * v * v : delta * (v - 0.5 * delta)));
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('SmoothL1Loss', { reduction }, x, y), reduce(smoothL1(1), reduction));
    assertClose(run('SmoothL1', { beta: 0.5, reduction }, x, y), reduce(smoothL1(0.5), reduction));
    assertClose(run('Huber', { reduction }, x, y), reduce(huber(1), reduction));
    assertClose(run('HuberLoss', { delta: 2, reduction }, x, y), reduce(huber(2), reduction));
  }
  assertClose(run('SmoothL1', { beta: 0 }, x, y), reduce(d, 'mean'));
  tf.dispose([x, y]);
});

test('KLDiv: mean, batchmean, sum, none, log_target, zero targets', () => {
  const inputs = [
    [0.2, 0.3, 0.5],
    [0.7, 0.2, 0.1],
  ].map((r) => r.map(Math.log));
  const targets = [
    [0.1, 0.0, 0.9],
    [0.3, 0.3, 0.4],
  ];
  const pointwise = inputs.flatMap((row, i) => row.map((x, j) => (targets[i][j] > 0 ? targets[i][j] * (Math.log(targets[i][j]) - x) : 0)));
  const x = tf.tensor2d(inputs);
  for (const reduction of ['mean', 'sum', 'none', 'batchmean'] as const) {
    const y = tf.tensor2d(targets);
    assertClose(run('KLDivLoss', { reduction }, x, y), reduce(pointwise, reduction, pointwise.length, 2));
    y.dispose();
  }
  const logTargets = tf.tensor2d(targets.map((r) => r.map((v) => Math.log(Math.max(v, 1e-30)))));
  const pointwiseLog = inputs.flatMap((row, i) => row.map((xv, j) => {
    const lt = Math.log(Math.max(targets[i][j], 1e-30));
    return Math.exp(lt) * (lt - xv);
  }));
  assertClose(run('KLDiv', { reduction: 'batchmean', log_target: true }, x, logTargets), reduce(pointwiseLog, 'batchmean', 6, 2));
  tf.dispose([x, logTargets]);
});

test('Focal: gamma, per-class alpha, ignore_index; gamma 0 without alpha equals CrossEntropy', () => {
  const ref = (gamma: number, alpha?: number[]) =>
    LOGITS.map((row, n) => {
      const y = LABELS[n];
      if (y === -100) return 0;
      const lp = logSoftmax(row)[y];
      return -(alpha ? alpha[y] : 1) * (1 - Math.exp(lp)) ** gamma * lp;
    });
  const counted = LABELS.filter((l) => l !== -100).length;
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(LABELS, 'int32');
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    assertClose(run('Focal', { reduction }, x, y), reduce(ref(2), reduction, counted));
    assertClose(run('FocalLoss', { gamma: 1.5, alpha: WEIGHT, reduction }, x, y), reduce(ref(1.5, WEIGHT), reduction, counted));
  }
  assertClose(run('Focal', { gamma: 0 }, x, y), refCrossEntropy(LOGITS, LABELS, {}) as number);
  tf.dispose([x, y]);
});

test('Focal: one logit per row is binary sigmoid focal; scalar alpha weighs class 1 by alpha, class 0 by 1 - alpha', () => {
  const logits = [0.8, -1.5, 2.2, 0.0];
  const labels = [1, 0, 0, 1];
  const ref = logits.map((v, i) => {
    const p = sigmoid(v);
    const pt = labels[i] === 1 ? p : 1 - p;
    const at = labels[i] === 1 ? 0.25 : 0.75;
    return -at * (1 - pt) ** 2 * Math.log(pt);
  });
  const x = tf.tensor2d(logits, [4, 1]);
  const y = tf.tensor1d(labels, 'int32');
  assertClose(run('Focal', { alpha: 0.25, reduction: 'none' }, x, y), ref);
  tf.dispose([x, y]);
});

test('labelSmoother matches HF LabelSmoother', () => {
  const eps = 0.1;
  let nll = 0;
  let smooth = 0;
  let active = 0;
  LOGITS.forEach((row, n) => {
    if (LABELS[n] === -100) return;
    const lp = logSoftmax(row);
    nll += -lp[LABELS[n]];
    smooth += -lp.reduce((s, v) => s + v, 0);
    active++;
  });
  const expected = (1 - eps) * (nll / active) + eps * (smooth / (active * 3));
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(LABELS, 'int32');
  const loss = labelSmoother(x, y, eps);
  assert.equal(loss.rank, 0);
  assertClose(loss.dataSync()[0], expected);
  tf.dispose([x, y, loss]);
});

test('losses are differentiable: CrossEntropy gradient is (softmax - onehot) / N', () => {
  const row = [[1.0, 2.0, 0.5]];
  const x = tf.tensor2d(row);
  const y = tf.tensor1d([1], 'int32');
  const loss = createLoss('CrossEntropy');
  const g = tf.grad((logits: tf.Tensor) => loss(logits, y))(x);
  const p = logSoftmax(row[0]).map(Math.exp);
  assertClose(g.dataSync(), p.map((v, c) => v - (c === 1 ? 1 : 0)));
  tf.dispose([x, y, g]);
});

test('countLabelItems counts labels that are not ignore_index (sync and async)', async () => {
  const y = tf.tensor2d([[1, -100, 3], [-100, -100, 0]], [2, 3], 'int32');
  assert.equal(countLabelItems(y), 3);
  assert.equal(countLabelItems(y, 0), 5);
  assert.equal(await countLabelItemsAsync(y), 3);
  y.dispose();
});

test('names, kwargs and shapes are checked with messages that say what to do', () => {
  assert.throws(() => createLoss('CrossEntropyLos'), /Unknown loss "CrossEntropyLos". Valid names: .*CrossEntropyLoss/);
  assert.throws(() => createLoss('MSE', { gamma: 2 }), /"gamma" not accepted by MSE. Accepted: reduction/);
  assert.throws(() => createLoss('CrossEntropy', { reduction: 'batchmean' }), /only for KLDiv/);
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d([0, 1], 'int32');
  assert.throws(() => createLoss('CrossEntropy')(x, y), /one class id per row/);
  assert.throws(() => createLoss('CrossEntropy', { weight: [1, 2] })(x, tf.tensor1d(LABELS, 'int32')), /2 values but the logits have 3 classes/);
  assert.throws(() => createLoss('MSE')(x, y), /do not match/);
  tf.dispose([x, y]);
});

test('no tensors leak from any loss', () => {
  const x = tf.tensor2d(LOGITS);
  const y = tf.tensor1d(LABELS, 'int32');
  const targets = tf.randomUniform([5, 3]);
  const before = tf.memory().numTensors;
  const cases: [string, LossKwargs, tf.Tensor][] = [
    ['CrossEntropy', { weight: WEIGHT, label_smoothing: 0.1 }, y],
    ['NLL', { weight: WEIGHT }, y],
    ['Focal', { alpha: WEIGHT }, y],
    ['BCEWithLogits', { pos_weight: [1, 2, 3], weight: [1, 1, 2] }, targets],
    ['MSE', {}, targets],
    ['SmoothL1', {}, targets],
    ['Huber', {}, targets],
    ['KLDiv', { reduction: 'batchmean' }, targets],
  ];
  for (const [name, kwargs, labels] of cases) {
    createLoss(name, kwargs)(x, labels, { numItemsInBatch: 4 }).dispose();
    createLoss(name, kwargs)(x, labels).dispose();
  }
  labelSmoother(x, y, 0.1).dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y, targets]);
});
