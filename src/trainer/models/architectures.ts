import * as tf from '@tensorflow/tfjs';
import { DEFAULT_MAX_LENGTH, type ModelConfig } from '../../config/schema';
import type { FunctionalModelSpec } from './functional-model';
import { glorotUniform, normal, ones, zeros } from './init';
import { dense, embed, gelu, layerNorm, maskedMaxPool, maskedMeanPool } from './ops';
import type { WeightStore } from './weights';

/** Sizes that come from the data rather than the config. */
export interface ModelDims {
  /** Text models: rows of the embedding table (the tokenizer's vocabSize). */
  vocabSize?: number;
  /** `mlp`: input width. */
  numFeatures?: number;
  numLabels: number;
}

const EMBEDDING_STD = 0.05;

/** Adds `prefix.kernel` [inDim, outDim] and `prefix.bias` [outDim]; returns x ↦ x·W + b. */
function addDense(store: WeightStore, prefix: string, inDim: number, outDim: number): (x: tf.Tensor) => tf.Tensor {
  const kernel = store.add(`${prefix}.kernel`, [inDim, outDim], glorotUniform);
  const bias = store.add(`${prefix}.bias`, [outDim], zeros);
  return (x) => dense(x, kernel, bias);
}

function addLayerNorm(store: WeightStore, prefix: string, dim: number): (x: tf.Tensor) => tf.Tensor {
  const gamma = store.add(`${prefix}.gamma`, [dim], ones);
  const beta = store.add(`${prefix}.beta`, [dim], zeros);
  return (x) => layerNorm(x, gamma, beta);
}

function requireDim(value: number | undefined, what: string, architecture: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new Error(`createModel: "${architecture}" needs dims.${what} (a positive integer), got ${String(value)}`);
  }
  return value;
}

/** The input mask as float32 [b, L], all ones when the batch has none. */
function maskOf(inputs: Readonly<Record<string, tf.Tensor>>): tf.Tensor {
  const ids = inputs.input_ids;
  const mask = inputs.attention_mask;
  if (!mask) return tf.onesLike(ids).toFloat();
  return mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
}

export function buildMlp(config: ModelConfig, dims: ModelDims, store: WeightStore): FunctionalModelSpec {
  const numFeatures = requireDim(dims.numFeatures, 'numFeatures', 'mlp');
  const hidden: Array<(x: tf.Tensor) => tf.Tensor> = [];
  let width = numFeatures;
  config.hidden_sizes.forEach((size, i) => {
    hidden.push(addDense(store, `hidden.${i}`, width, size));
    width = size;
  });
  const classifier = addDense(store, 'classifier', width, dims.numLabels);
  return {
    architecture: 'mlp',
    inputNames: ['features'],
    numLabels: dims.numLabels,
    body: (inputs, dropout) => {
      let x = inputs.features.dtype === 'float32' ? inputs.features : tf.cast(inputs.features, 'float32');
      for (const layer of hidden) x = dropout.apply(tf.relu(layer(x)), config.dropout);
      return classifier(x);
    },
  };
}

export function buildTextClassifier(config: ModelConfig, dims: ModelDims, store: WeightStore): FunctionalModelSpec {
  const vocabSize = requireDim(dims.vocabSize, 'vocabSize', 'text-classifier');
  const table = store.add('embedding.weight', [vocabSize, config.embedding_dim], normal(EMBEDDING_STD));
  const classifier = addDense(store, 'classifier', config.embedding_dim, dims.numLabels);
  const pool = config.pooling === 'max' ? maskedMaxPool : maskedMeanPool;
  return {
    architecture: 'text-classifier',
    inputNames: ['input_ids', 'attention_mask'],
    optionalInputs: ['attention_mask'],
    numLabels: dims.numLabels,
    body: (inputs, dropout) => {
      const pooled = pool(embed(table, inputs.input_ids), maskOf(inputs));
      return classifier(dropout.apply(pooled, config.dropout));
    },
  };
}

export function buildTransformerEncoder(config: ModelConfig, dims: ModelDims, store: WeightStore): FunctionalModelSpec {
  const vocabSize = requireDim(dims.vocabSize, 'vocabSize', 'transformer-encoder');
  const { embedding_dim: dim, num_heads: heads, ff_dim: ffDim, dropout: rate } = config;
  const maxLength = config.max_length ?? DEFAULT_MAX_LENGTH;
  if (dim % heads !== 0) {
    throw new Error(`createModel: model.num_heads (${heads}) must divide model.embedding_dim (${dim})`);
  }
  const headDim = dim / heads;
  const tokens = store.add('embedding.weight', [vocabSize, dim], normal(EMBEDDING_STD));
  const positions = store.add('position_embedding.weight', [maxLength, dim], normal(EMBEDDING_STD));
  const blocks = Array.from({ length: config.num_layers }, (_, i) => {
    const p = `encoder.${i}`;
    return {
      query: addDense(store, `${p}.attention.query`, dim, dim),
      key: addDense(store, `${p}.attention.key`, dim, dim),
      value: addDense(store, `${p}.attention.value`, dim, dim),
      output: addDense(store, `${p}.attention.output`, dim, dim),
      norm1: addLayerNorm(store, `${p}.norm1`, dim),
      intermediate: addDense(store, `${p}.ffn.intermediate`, dim, ffDim),
      ffnOutput: addDense(store, `${p}.ffn.output`, ffDim, dim),
      norm2: addLayerNorm(store, `${p}.norm2`, dim),
    };
  });
  const classifier = addDense(store, 'classifier', dim, dims.numLabels);

  return {
    architecture: 'transformer-encoder',
    inputNames: ['input_ids', 'attention_mask'],
    optionalInputs: ['attention_mask'],
    numLabels: dims.numLabels,
    body: (inputs, dropout) => {
      const [batch, length] = inputs.input_ids.shape;
      if (length > maxLength) {
        throw new Error(`transformer-encoder: input length ${length} exceeds model.max_length ${maxLength}`);
      }
      const mask = maskOf(inputs);
      // [b, 1, 1, L]: padded keys get -1e9 before the softmax, so no query attends to them.
      const keyBias = tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [batch, 1, 1, length]);
      const splitHeads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, length, heads, headDim]), [0, 2, 1, 3]);
      let h = tf.add(embed(tokens, inputs.input_ids), tf.slice(positions, [0, 0], [length, dim]));
      h = dropout.apply(h, rate);
      for (const block of blocks) {
        const q = splitHeads(block.query(h));
        const k = splitHeads(block.key(h));
        const v = splitHeads(block.value(h));
        const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)), keyBias);
        const attention = dropout.apply(tf.softmax(scores, -1), rate);
        const context = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [batch, length, dim]);
        h = block.norm1(tf.add(h, dropout.apply(block.output(context), rate)));
        const ff = block.ffnOutput(gelu(block.intermediate(h)));
        h = block.norm2(tf.add(h, dropout.apply(ff, rate)));
      }
      return classifier(dropout.apply(maskedMeanPool(h, mask), rate));
    },
  };
}
