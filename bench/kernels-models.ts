/**
 * The reference training workloads of the kernel benchmarks (see docs in bench/README-kernels.md):
 * an MLP (784-256-10, batch 64), an embedding + self-attention classifier (vocab 5000, dim 64,
 * seq 64, batch 32), and the built-in transformer-encoder, all with Adam.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelSchema, type ModelConfig } from '../src/config/schema';
import { applyDefaults, shapeOf } from '../src/config/schema-shape';
import type { JsonValue } from '../src/config/tree';
import { createModel } from '../src/trainer/models';

export interface Model {
  name: string;
  batch: number;
  /** The loss of one batch. */
  loss: () => tf.Scalar;
  variables: tf.Variable[];
}

const glorot = (shape: number[]): tf.Variable => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / (shape[0] + shape[shape.length - 1]))));

export function mlp(): Model {
  const batch = 64;
  const w1 = glorot([784, 256]);
  const b1 = tf.variable(tf.zeros([256]));
  const w2 = glorot([256, 10]);
  const b2 = tf.variable(tf.zeros([10]));
  const x = tf.randomUniform([batch, 784]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10);
  return {
    name: 'MLP 784-256-10, batch 64',
    batch,
    variables: [w1, b1, w2, b2],
    loss: () => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Scalar,
  };
}

/** [b, s, d] x [d, e] through 2-D: tfjs's BatchMatMul gradient does not reduce a broadcast batch. */
function dense3d(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [b, s, d] = x.shape;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * s, d]), w), [b, s, w.shape[1]]);
}

export function attention(): Model {
  const [batch, seq, dim, vocab] = [32, 64, 64, 5000];
  const embedding = glorot([vocab, dim]);
  const [wq, wk, wv, wo] = [0, 1, 2, 3].map(() => glorot([dim, dim]) as tf.Variable<tf.Rank.R2>);
  const head = glorot([dim, 2]);
  const ids = tf.randomUniform([batch, seq], 0, vocab, 'int32');
  const y = tf.oneHot(tf.randomUniform([batch], 0, 2, 'int32'), 2);
  return {
    name: 'embedding + attention, vocab 5000, seq 64, batch 32',
    batch,
    variables: [embedding, wq, wk, wv, wo, head],
    loss: () => {
      const h = tf.reshape(tf.gather(embedding, tf.reshape(ids, [-1])), [batch, seq, dim]) as tf.Tensor3D;
      const q = dense3d(h, wq);
      const k = dense3d(h, wk);
      const v = dense3d(h, wv);
      const scores = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dim)));
      const attended = tf.add(h, dense3d(tf.matMul(scores, v), wo));
      const pooled = tf.mean(attended, 1);
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(pooled, head)) as tf.Scalar;
    },
  };
}

/** A built-in model from src/trainer/models (createModel), on random ids: vocab 5000, seq 64, batch 32. */
export function builtin(architecture: 'text-classifier' | 'transformer-encoder'): Model {
  const [batch, seq, vocab] = [32, 64, 5000];
  const overrides = { architecture, embedding_dim: 64, num_heads: 4, ff_dim: 256, num_layers: 2, max_length: seq, dropout: 0 };
  const config = applyDefaults(shapeOf(ModelSchema), overrides as JsonValue) as unknown as ModelConfig;
  const model = createModel(config, { vocabSize: vocab, numLabels: 2 }, 1);
  const ids = tf.randomUniform([batch, seq], 1, vocab, 'int32');
  const mask = tf.ones([batch, seq]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 2, 'int32'), 2);
  return {
    name: `${architecture} (createModel: dim 64${architecture === 'transformer-encoder' ? ', 2 layers, 4 heads, ff 256' : ''}), vocab 5000, seq 64, batch 32`,
    batch,
    variables: model.trainableWeights().map((w) => w.variable),
    loss: () => tf.losses.softmaxCrossEntropy(y, model.forward({ input_ids: ids, attention_mask: mask }, { training: true }).logits) as tf.Scalar,
  };
}

export const MODELS: Record<string, () => Model> = {
  mlp,
  attention,
  'text-classifier': () => builtin('text-classifier'),
  'transformer-encoder': () => builtin('transformer-encoder'),
};

export function step(model: Model, optimizer: tf.Optimizer): void {
  const cost = optimizer.minimize(model.loss, true, model.variables);
  cost?.dataSync();
  cost?.dispose();
}

/** Training examples/s from the median step time after two warm-up steps, for about `seconds`. */
export function examplesPerSecond(model: Model, seconds: number): number {
  const optimizer = tf.train.adam(1e-3);
  step(model, optimizer);
  step(model, optimizer);
  const times: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  do {
    const start = performance.now();
    step(model, optimizer);
    times.push(performance.now() - start);
  } while (performance.now() < deadline && times.length < 200);
  optimizer.dispose();
  return model.batch / (median(times) / 1000);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
