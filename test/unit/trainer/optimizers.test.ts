import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, isDecayExcluded, parseOptimArgs, type OptimizerArgs } from '../../../src/trainer/optimizers';
import type { NamedWeight, TrainerOptimizer } from '../../../src/trainer/types';

before(async () => {
  await tf.setBackend('cpu');
});

// ---- fixtures: three weights, one decayed and two excluded from decay ---------------------------

const INITIAL: Record<string, { shape: number[]; values: number[] }> = {
  'encoder.dense.kernel': { shape: [2, 3], values: [0.5, -0.3, 0.8, 0.1, -1.2, 0.4] },
  'encoder.dense.bias': { shape: [3], values: [0.05, -0.02, 0.1] },
  'encoder.layer_norm.gamma': { shape: [3], values: [1.0, 0.9, 1.1] },
};
const NAMES = Object.keys(INITIAL);

function makeWeights(values: Record<string, number[]> = Object.fromEntries(NAMES.map((n) => [n, INITIAL[n].values]))): NamedWeight[] {
  return NAMES.map((name) => ({ name, variable: tf.variable(tf.tensor(values[name], INITIAL[name].shape), true) }));
}

/** A deterministic, parameter-dependent gradient: 2·(p - 0.3) + 0.5·sin(step + i). */
function gradValues(params: number[], step: number): number[] {
  return params.map((p, i) => 2 * (p - 0.3) + 0.5 * Math.sin(step + i * 0.7));
}

const lrAt = (step: number) => 0.05 * (1 - step / 20);

function args(overrides: Partial<OptimizerArgs>): OptimizerArgs {
  return { optim: 'adamw_torch', learning_rate: 0.05, weight_decay: 0, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8, ...overrides };
}

/** Runs `steps` optimizer steps with tfjs; returns the final parameter values. */
function runTf(optimizer: TrainerOptimizer, weights: NamedWeight[], firstStep: number, steps: number): Record<string, number[]> {
  for (let s = firstStep; s < firstStep + steps; s++) {
    optimizer.learningRate = lrAt(s);
    const grads = Object.fromEntries(weights.map((w) => [w.name, tf.tensor(gradValues(Array.from(w.variable.dataSync()), s), w.variable.shape)]));
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  return Object.fromEntries(weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));
}

// ---- plain-JS torch reference: one update of one element, state kept per element ---------------

type ElementState = Record<string, number>;
type ElementRule = (p: number, g: number, st: ElementState, step: number, lr: number, wd: number) => number;

function runReference(rule: ElementRule, weightDecay: number, steps: number): Record<string, number[]> {
  const params = Object.fromEntries(NAMES.map((n) => [n, [...INITIAL[n].values]]));
  const states = Object.fromEntries(NAMES.map((n) => [n, INITIAL[n].values.map((): ElementState => ({}))]));
  for (let s = 0; s < steps; s++) {
    for (const name of NAMES) {
      const wd = name.endsWith('kernel') ? weightDecay : 0; // bias and layer-norm gamma are not decayed
      const g = gradValues(params[name], s);
      params[name] = params[name].map((p, i) => rule(p, g[i], states[name][i], s + 1, lrAt(s), wd));
    }
  }
  return params;
}

const adamRule =
  (beta1: number, beta2: number, eps: number, decoupled: boolean): ElementRule =>
  (p, g, st, step, lr, wd) => {
    if (decoupled) p = p * (1 - lr * wd);
    else g = g + wd * p;
    st.m = beta1 * (st.m ?? 0) + (1 - beta1) * g;
    st.v = beta2 * (st.v ?? 0) + (1 - beta2) * g * g;
    const denom = Math.sqrt(st.v) / Math.sqrt(1 - beta2 ** step) + eps;
    return p - (lr / (1 - beta1 ** step)) * (st.m / denom);
  };

const sgdRule =
  (momentum: number, dampening: number, nesterov: boolean): ElementRule =>
  (p, g, st, step, lr, wd) => {
    let d = g + wd * p;
    if (momentum !== 0) {
      st.buf = step === 1 ? d : momentum * st.buf + (1 - dampening) * d;
      d = nesterov ? d + momentum * st.buf : st.buf;
    }
    return p - lr * d;
  };

const adagradRule =
  (lrDecay: number, eps: number, init: number): ElementRule =>
  (p, g, st, step, lr, wd) => {
    g = g + wd * p;
    const clr = lr / (1 + (step - 1) * lrDecay);
    st.sum = (st.sum ?? init) + g * g;
    return p - (clr * g) / (Math.sqrt(st.sum) + eps);
  };

const rmspropRule =
  (alpha: number, eps: number, momentum: number, centered: boolean): ElementRule =>
  (p, g, st, _step, lr, wd) => {
    g = g + wd * p;
    st.sq = alpha * (st.sq ?? 0) + (1 - alpha) * g * g;
    let variance = st.sq;
    if (centered) {
      st.ga = alpha * (st.ga ?? 0) + (1 - alpha) * g;
      variance = st.sq - st.ga * st.ga;
    }
    const avg = Math.sqrt(variance) + eps;
    if (momentum > 0) {
      st.buf = momentum * (st.buf ?? 0) + g / avg;
      return p - lr * st.buf;
    }
    return p - (lr * g) / avg;
  };

function assertParamsClose(actual: Record<string, number[]>, expected: Record<string, number[]>, tol = 2e-5): void {
  for (const name of NAMES) {
    actual[name].forEach((v, i) => {
      const e = expected[name][i];
      assert.ok(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)), `${name}[${i}]: ${v} vs ${e}`);
    });
  }
}

function checkAgainstReference(a: OptimizerArgs, rule: ElementRule, steps = 6): void {
  const weights = makeWeights();
  const optimizer = createOptimizer(a, weights);
  const result = runTf(optimizer, weights, 0, steps);
  assertParamsClose(result, runReference(rule, a.weight_decay, steps));
  const moved = NAMES.some((n) => result[n].some((v, i) => Math.abs(v - INITIAL[n].values[i]) > 1e-3));
  assert.ok(moved, 'the weights moved');
  optimizer.dispose();
  tf.dispose(weights.map((w) => w.variable));
}

// ---- tests --------------------------------------------------------------------------------------

test('adamw_torch / adamw: decoupled weight decay then bias-corrected Adam, as torch.optim.AdamW', () => {
  checkAgainstReference(args({ optim: 'adamw_torch', weight_decay: 0.1 }), adamRule(0.9, 0.999, 1e-8, true));
  checkAgainstReference(args({ optim: 'adamw', weight_decay: 0.3, adam_beta1: 0.8, adam_beta2: 0.95, adam_epsilon: 1e-6 }), adamRule(0.8, 0.95, 1e-6, true));
});

test('adam: weight decay is L2 added to the gradient, as torch.optim.Adam', () => {
  checkAgainstReference(args({ optim: 'adam', weight_decay: 0.1 }), adamRule(0.9, 0.999, 1e-8, false));
});

test('sgd: plain, momentum with dampening, nesterov', () => {
  checkAgainstReference(args({ optim: 'sgd', weight_decay: 0.01 }), sgdRule(0, 0, false));
  checkAgainstReference(args({ optim: 'sgd', optim_args: 'momentum=0.9, dampening=0.2' }), sgdRule(0.9, 0.2, false));
  checkAgainstReference(args({ optim: 'sgd', weight_decay: 0.05, optim_args: 'momentum=0.8,nesterov=true' }), sgdRule(0.8, 0, true));
});

test('adagrad: torch defaults, and lr_decay / initial_accumulator_value / eps from optim_args', () => {
  checkAgainstReference(args({ optim: 'adagrad' }), adagradRule(0, 1e-10, 0));
  checkAgainstReference(
    args({ optim: 'adagrad', weight_decay: 0.1, optim_args: 'lr_decay=0.1,initial_accumulator_value=0.5,eps=1e-6' }),
    adagradRule(0.1, 1e-6, 0.5),
  );
});

test('rmsprop: torch defaults, and momentum + centered', () => {
  checkAgainstReference(args({ optim: 'rmsprop', learning_rate: 0.01 }), rmspropRule(0.99, 1e-8, 0, false));
  checkAgainstReference(
    args({ optim: 'rmsprop', weight_decay: 0.02, optim_args: 'alpha=0.9,momentum=0.5,centered=true,eps=1e-6' }),
    rmspropRule(0.9, 1e-6, 0.5, true),
  );
});

test('resume: state saved after 3 steps and restored into a fresh optimizer continues exactly', async () => {
  const cases: Partial<OptimizerArgs>[] = [
    { optim: 'adamw_torch', weight_decay: 0.1 },
    { optim: 'sgd', optim_args: 'momentum=0.9,nesterov=true' },
    { optim: 'adagrad', optim_args: 'lr_decay=0.05' },
    { optim: 'rmsprop', optim_args: 'momentum=0.5,centered=true' },
  ];
  for (const c of cases) {
    const uninterruptedWeights = makeWeights();
    const uninterrupted = createOptimizer(args(c), uninterruptedWeights);
    const expected = runTf(uninterrupted, uninterruptedWeights, 0, 6);

    const firstWeights = makeWeights();
    const first = createOptimizer(args(c), firstWeights);
    const midway = runTf(first, firstWeights, 0, 3);
    const saved = await first.getState();
    const savedJson = JSON.parse(JSON.stringify(saved.json)) as Record<string, unknown>;
    first.dispose();

    const resumedWeights = makeWeights(midway);
    const resumed = createOptimizer(args(c), resumedWeights);
    resumed.setState({ json: savedJson, tensors: saved.tensors });
    const actual = runTf(resumed, resumedWeights, 3, 3);
    assert.deepEqual(actual, expected, `${c.optim} resumes bit for bit`);

    for (const o of [uninterrupted, resumed]) o.dispose();
    tf.dispose([...uninterruptedWeights, ...firstWeights, ...resumedWeights].map((w) => w.variable));
  }
});

test('state tensors are keyed <weightName>/<slot> with torch slot names, and step counts are in json', async () => {
  const weights = makeWeights();
  const optimizer = createOptimizer(args({ optim: 'adamw_torch' }), weights);
  runTf(optimizer, weights, 0, 2);
  const state = await optimizer.getState();
  assert.deepEqual(Object.keys(state.tensors).sort(), NAMES.flatMap((n) => [`${n}/exp_avg`, `${n}/exp_avg_sq`]).sort());
  assert.deepEqual(state.tensors['encoder.dense.kernel/exp_avg'].shape, [2, 3]);
  assert.deepEqual(state.json, { optimizer: 'adamw_torch', steps: Object.fromEntries(NAMES.map((n) => [n, 2])) });
  optimizer.dispose();
  tf.dispose(weights.map((w) => w.variable));
});

test('setState rejects state from another optimizer or model, and keeps the current state', async () => {
  const weights = makeWeights();
  const adam = createOptimizer(args({ optim: 'adamw_torch' }), weights);
  runTf(adam, weights, 0, 1);
  const sgd = createOptimizer(args({ optim: 'sgd', optim_args: 'momentum=0.9' }), weights);
  const state = await adam.getState();
  assert.throws(() => sgd.setState(state), /for "adamw_torch" but this run uses "sgd"/);
  const bad = { json: state.json, tensors: { ...state.tensors, 'other.kernel/exp_avg': state.tensors['encoder.dense.kernel/exp_avg'] } };
  const before = tf.memory().numTensors;
  assert.throws(() => adam.setState(bad), /matches no weight\/slot/);
  assert.equal(tf.memory().numTensors, before, 'nothing leaks from a failed restore');
  assert.deepEqual(await adam.getState(), state);
  tf.dispose(weights.map((w) => w.variable));
  adam.dispose();
  sgd.dispose();
});

test('no tensor leaks: numTensors is flat over 50 steps for every optimizer', () => {
  for (const c of [
    { optim: 'adamw_torch' as const, weight_decay: 0.1 },
    { optim: 'adam' as const, weight_decay: 0.1 },
    { optim: 'sgd' as const, optim_args: 'momentum=0.9' },
    { optim: 'adagrad' as const },
    { optim: 'rmsprop' as const, optim_args: 'centered=true,momentum=0.1' },
  ]) {
    const weights = makeWeights();
    const optimizer = createOptimizer(args(c), weights);
    runTf(optimizer, weights, 0, 1); // creates the slots
    const afterFirst = tf.memory().numTensors;
    runTf(optimizer, weights, 1, 50);
    assert.equal(tf.memory().numTensors, afterFirst, c.optim);
    optimizer.dispose();
    tf.dispose(weights.map((w) => w.variable));
  }
});

test('errors: unknown optim_args, nesterov without momentum, unknown gradient names, wrong shapes', () => {
  const weights = makeWeights();
  assert.throws(() => createOptimizer(args({ optim: 'sgd', optim_args: 'momentun=0.9' }), weights), /momentun not used by sgd. Accepted: momentum, dampening, nesterov/);
  assert.throws(() => createOptimizer(args({ optim: 'adamw_torch', optim_args: 'momentum=0.9' }), weights), /not used by adamw_torch/);
  assert.throws(() => createOptimizer(args({ optim: 'sgd', optim_args: 'nesterov=true' }), weights), /nesterov needs momentum > 0/);
  assert.throws(() => createOptimizer(args({ optim: 'sgd', optim_args: 'momentum=high' }), weights), /momentum must be a number/);
  const optimizer = createOptimizer(args({}), weights);
  const g = tf.zeros([3]);
  assert.throws(() => optimizer.applyGradients({ 'missing.weight': g }), /not one of the optimizer's weights/);
  assert.throws(() => optimizer.applyGradients({ 'encoder.dense.kernel': g }), /has shape \[3\] but the weight is \[2,3\]/);
  tf.dispose([g, ...weights.map((w) => w.variable)]);
  optimizer.dispose();
});

test('isDecayExcluded follows HF: biases and normalisation weights are excluded, embeddings are not', () => {
  const excluded = [
    'encoder.dense.bias',
    'classifier/dense/bias',
    'bert.embeddings.LayerNorm.weight',
    'encoder.0.layer_norm.gamma',
    'encoder.0.layernorm.beta',
    'model.norm.weight',
    'blocks.0.norm1.weight',
    'layers.0.post_attention_norm.weight',
    'model.layers.0.input_rmsnorm.weight',
    'transformer.h.0.ln_1.weight',
    'transformer.ln_f.weight',
    'encoder/layer_normalization/gamma',
    'head/batch_normalization/beta',
  ];
  const decayed = [
    'embeddings.word_embeddings.weight',
    'embedding.embeddings',
    'encoder.0.attention.query.kernel',
    'encoder.dense.kernel',
    'classifier.weight',
    'normalizer.linear.weight',
    'linear.weight',
  ];
  for (const name of excluded) assert.equal(isDecayExcluded(name), true, name);
  for (const name of decayed) assert.equal(isDecayExcluded(name), false, name);
});

test('parseOptimArgs types numbers and booleans, keeps strings, rejects malformed items', () => {
  assert.deepEqual(parseOptimArgs(undefined), {});
  assert.deepEqual(parseOptimArgs('  '), {});
  assert.deepEqual(parseOptimArgs('momentum=0.9, nesterov=true,eps=1e-6,mode=fast,centered=False'), {
    momentum: 0.9,
    nesterov: true,
    eps: 1e-6,
    mode: 'fast',
    centered: false,
  });
  assert.throws(() => parseOptimArgs('momentum'), /"momentum" is not key=value/);
});

test('a gradient scale (the clip coefficient) folded into the update equals updating with pre-scaled gradients', () => {
  const variants: Partial<OptimizerArgs>[] = [
    { optim: 'adamw_torch', weight_decay: 0.1 },
    { optim: 'adam', weight_decay: 0.1 },
    { optim: 'sgd', optim_args: 'momentum=0.9' },
    { optim: 'adagrad' },
    { optim: 'rmsprop', optim_args: 'momentum=0.5,centered=true' },
  ];
  for (const variant of variants) {
    const folded = makeWeights();
    const prescaled = makeWeights();
    const foldedOptimizer = createOptimizer(args(variant), folded);
    const prescaledOptimizer = createOptimizer(args(variant), prescaled);
    assert.equal(foldedOptimizer.acceptsGradScale, true);
    for (let s = 0; s < 5; s++) {
      const coefficient = tf.scalar(0.2 + 0.15 * s);
      for (const [optimizer, weights, fold] of [[foldedOptimizer, folded, true], [prescaledOptimizer, prescaled, false]] as const) {
        optimizer.learningRate = lrAt(s);
        const grads = Object.fromEntries(weights.map((w) => [w.name, tf.tensor(gradValues(Array.from(w.variable.dataSync()), s), w.variable.shape)]));
        if (fold) optimizer.applyGradients(grads, { scale: coefficient });
        else {
          const scaled = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, tf.mul(g, coefficient)]));
          optimizer.applyGradients(scaled);
          tf.dispose(Object.values(scaled));
        }
        tf.dispose(Object.values(grads));
      }
      coefficient.dispose();
    }
    const values = (weights: NamedWeight[]) => Object.fromEntries(weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));
    assertParamsClose(values(folded), values(prescaled), 1e-6);
    foldedOptimizer.dispose();
    prescaledOptimizer.dispose();
    tf.dispose([...folded, ...prescaled].map((w) => w.variable));
  }
});
