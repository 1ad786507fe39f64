import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createModel, isFrozen } from '../../../../src/trainer/models';
import type { TrainableModel } from '../../../../src/trainer/types';
import { modelConfig } from './model-helper';

test.before(async () => {
  await tf.setBackend('cpu');
});

const textBatch = () => ({
  input_ids: tf.tensor2d([[5, 6, 7, 0, 0, 0], [9, 3, 0, 0, 0, 0]], [2, 6], 'int32'),
  attention_mask: tf.tensor2d([[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0]], [2, 6], 'float32'),
});

const architectures = ['text-classifier', 'transformer-encoder'] as const;

test('each architecture gives [batch, numLabels] logits, 1 column for regression', () => {
  for (const architecture of architectures) {
    for (const numLabels of [3, 1]) {
      const model = createModel(modelConfig({ architecture }), { vocabSize: 20, numLabels }, 1);
      const inputs = textBatch();
      const { logits } = model.forward(inputs);
      assert.deepEqual(logits.shape, [2, numLabels], architecture);
      tf.dispose([logits, inputs.input_ids, inputs.attention_mask]);
      model.dispose();
    }
  }
  const mlp = createModel(modelConfig({ architecture: 'mlp', hidden_sizes: [8, 4] }), { numFeatures: 5, numLabels: 2 }, 1);
  const features = tf.randomNormal([3, 5], 0, 1, 'float32', 1);
  const { logits } = mlp.forward({ features });
  assert.deepEqual(logits.shape, [3, 2]);
  assert.deepEqual(mlp.weights().map((w) => w.name), ['hidden.0.kernel', 'hidden.0.bias', 'hidden.1.kernel', 'hidden.1.bias', 'classifier.kernel', 'classifier.bias']);
  tf.dispose([features, logits]);
  mlp.dispose();
});

test('weights are named like a state_dict and initialised from the seed', async () => {
  const config = modelConfig({ architecture: 'transformer-encoder' });
  const a = createModel(config, { vocabSize: 20, numLabels: 2 }, 7);
  const b = createModel(config, { vocabSize: 20, numLabels: 2 }, 7);
  const c = createModel(config, { vocabSize: 20, numLabels: 2 }, 8);
  const names = a.weights().map((w) => w.name);
  for (const expected of ['embedding.weight', 'position_embedding.weight', 'encoder.0.attention.query.kernel', 'encoder.0.norm1.gamma', 'encoder.0.ffn.output.bias', 'classifier.kernel', 'classifier.bias']) {
    assert.ok(names.includes(expected), expected);
  }
  const first = (m: TrainableModel) => m.weights()[0].variable.dataSync();
  assert.deepEqual(first(a), first(b));
  assert.notDeepEqual(first(a), first(c));
  [a, b, c].forEach((m) => m.dispose());
});

test('padding changes nothing: tokens under a zero mask do not move the logits', () => {
  for (const architecture of architectures) {
    for (const pooling of ['mean', 'max'] as const) {
      const model = createModel(modelConfig({ architecture, pooling }), { vocabSize: 20, numLabels: 2 }, 3);
      const mask = tf.tensor2d([[1, 1, 1, 0, 0, 0]], [1, 6]);
      const padded = tf.tensor2d([[5, 6, 7, 0, 0, 0]], [1, 6], 'int32');
      const garbage = tf.tensor2d([[5, 6, 7, 11, 12, 19]], [1, 6], 'int32');
      const shorter = tf.tensor2d([[5, 6, 7]], [1, 3], 'int32');
      const a = model.forward({ input_ids: padded, attention_mask: mask }).logits;
      const b = model.forward({ input_ids: garbage, attention_mask: mask }).logits;
      const c = model.forward({ input_ids: shorter, attention_mask: tf.ones([1, 3]) }).logits;
      const [va, vb, vc] = [a.dataSync(), b.dataSync(), c.dataSync()];
      for (let i = 0; i < va.length; i++) {
        assert.ok(Math.abs(va[i] - vb[i]) < 1e-5, `${architecture}/${pooling}: padded tokens changed the output`);
        if (architecture === 'text-classifier' || pooling === 'mean') assert.ok(Math.abs(va[i] - vc[i]) < 1e-5, `${architecture}: length changed the output`);
      }
      tf.dispose([mask, padded, garbage, shorter, a, b, c]);
      model.dispose();
    }
  }
});

test('dropout only in training, and the same seed replays the same masks', () => {
  const model = createModel(modelConfig({ architecture: 'mlp', hidden_sizes: [32], dropout: 0.5 }), { numFeatures: 4, numLabels: 2 }, 1);
  const features = tf.ones([2, 4]);
  const run = (options: { training?: boolean; seed?: number }) => {
    const { logits } = model.forward({ features }, options);
    const values = Array.from(logits.dataSync());
    logits.dispose();
    return values;
  };
  assert.deepEqual(run({}), run({ training: false, seed: 9 }));
  assert.deepEqual(run({ training: true, seed: 5 }), run({ training: true, seed: 5 }));
  assert.notDeepEqual(run({ training: true, seed: 5 }), run({ training: true, seed: 6 }));
  assert.notDeepEqual(run({ training: true, seed: 5 }), run({}));
  features.dispose();
  model.dispose();
});

test('freeze patterns exclude matching weights from trainableWeights', () => {
  assert.ok(isFrozen('embedding.weight', ['embedding*']));
  assert.ok(isFrozen('encoder.0.norm1.gamma', ['encoder.0']));
  assert.ok(isFrozen('encoder.0.attention.query.kernel', ['encoder.*.attention*']));
  assert.ok(!isFrozen('position_embedding.weight', ['embedding*']));
  assert.ok(!isFrozen('encoder.10.norm1.gamma', ['encoder.1']));
  // fnmatch sets, as HF names are written in freeze lists: the first six BERT layers, not 10 or 11.
  const layers = Array.from({ length: 12 }, (_, i) => `bert.encoder.layer.${i}.attention.self.query.weight`);
  assert.deepEqual(layers.filter((n) => isFrozen(n, ['bert.encoder.layer.[0-5].*'])), layers.slice(0, 6));
  assert.deepEqual(layers.filter((n) => isFrozen(n, ['bert.encoder.layer.[!0-9].*'])), []);
  assert.deepEqual(layers.filter((n) => isFrozen(n, ['bert.encoder.layer.1?.*'])), layers.slice(10));
  assert.ok(isFrozen('a[b.weight', ['a[b']), 'an unclosed [ is literal');
  assert.ok(!isFrozen('bertXencoder.weight', ['bert.encoder']), '. is literal');
  const model = createModel(modelConfig({ architecture: 'transformer-encoder', freeze: ['embedding*', 'encoder.0.attention'] }), { vocabSize: 20, numLabels: 2 }, 1);
  const trainable = model.trainableWeights().map((w) => w.name);
  assert.ok(!trainable.includes('embedding.weight'));
  assert.ok(!trainable.some((n) => n.startsWith('encoder.0.attention.')));
  assert.ok(trainable.includes('encoder.0.norm1.gamma') && trainable.includes('classifier.kernel'));
  assert.equal(model.weights().length - trainable.length, 9);
  model.dispose();
});

test('a training step leaks no tensors and moves only trainable weights', () => {
  for (const architecture of architectures) {
    const model = createModel(modelConfig({ architecture, freeze: ['embedding'] }), { vocabSize: 20, numLabels: 2 }, 1);
    const optimizer = tf.train.adam(0.01);
    const inputs = textBatch();
    const labels = tf.tensor1d([1, 0], 'int32');
    const embeddingBefore = model.weights()[0].variable.dataSync().slice();
    const classifierBefore = model.weights().at(-2)?.variable.dataSync().slice();
    const step = (seed: number) => {
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), model.forward(inputs, { training: true, seed }).logits) as tf.Scalar,
        true,
        model.trainableWeights().map((w) => w.variable),
      );
      cost?.dispose();
    };
    step(0); // the optimizer creates its slots on the first step
    const before = tf.memory().numTensors;
    for (let s = 1; s < 4; s++) step(s);
    assert.equal(tf.memory().numTensors, before, `${architecture}: tensors leaked`);
    assert.deepEqual(model.weights()[0].variable.dataSync(), embeddingBefore, 'frozen embedding moved');
    assert.notDeepEqual(model.weights().at(-2)?.variable.dataSync(), classifierBefore);
    tf.dispose([inputs.input_ids, inputs.attention_mask, labels]);
    optimizer.dispose();
    model.dispose();
  }
});

test('a missing input names what the model needs; bad dims are rejected', () => {
  const model = createModel(modelConfig({ architecture: 'text-classifier' }), { vocabSize: 20, numLabels: 2 }, 1);
  assert.throws(() => model.forward({ features: tf.zeros([1, 2]) }), /needs input "input_ids", got features/);
  model.dispose();
  assert.throws(() => createModel(modelConfig({ architecture: 'mlp' }), { numLabels: 2 }, 1), /needs dims.numFeatures/);
  assert.throws(() => createModel(modelConfig({ architecture: 'transformer-encoder', embedding_dim: 10, num_heads: 4 }), { vocabSize: 9, numLabels: 2 }, 1), /must divide/);
});
