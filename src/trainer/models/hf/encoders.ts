/**
 * BERT, RoBERTa and DistilBERT for sequence classification, written from transformers' modeling
 * files: post-LN blocks, the extended attention mask, exact erf GELU, layer_norm_eps from the config,
 * RoBERTa's padding-aware position ids, and each family's head. Weights carry transformers' key names;
 * a torch Linear `X.weight` is held here as an [in, out] kernel (the loader and saver transpose it).
 */
import * as tf from '@tensorflow/tfjs';
import { attention } from '../../backends/fused';
import type { FunctionalModelSpec } from '../functional-model';
import { embed, type DropoutContext } from '../ops';
import type { EncoderConfig } from './config';
import { activate, linear, norm, type Layer, type ParamFactory } from './layers';

/** The most negative float32: transformers' additive mask value (torch.finfo(float32).min). */
const FLOAT32_MIN = -3.4028234663852886e38;

interface AttentionWeights {
  query: Layer;
  key: Layer;
  value: Layer;
  output: Layer;
}

/** Multi-head self-attention with an additive [b, 1, 1, L] mask; returns the output projection. */
function attend(h: tf.Tensor, w: AttentionWeights, maskBias: tf.Tensor, heads: number, rate: number, dropout: DropoutContext): tf.Tensor {
  const [batch, length, dim] = h.shape as [number, number, number];
  const headDim = dim / heads;
  const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, length, heads, headDim]), [0, 2, 1, 3]);
  const q = split(w.query(h));
  const k = split(w.key(h));
  const v = split(w.value(h));
  const probsDropout = rate > 0 && dropout.training ? (probs: tf.Tensor) => dropout.apply(probs, rate) : undefined;
  const context = tf.reshape(tf.transpose(attention(q, k, v, maskBias, headDim ** -0.5, probsDropout), [0, 2, 1, 3]), [batch, length, dim]);
  return w.output(context);
}

function floatMask(inputs: Readonly<Record<string, tf.Tensor>>): tf.Tensor {
  const mask = inputs.attention_mask;
  if (!mask) return tf.onesLike(inputs.input_ids).toFloat();
  return mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
}

function checkLength(config: EncoderConfig, ids: tf.Tensor, limit: number): void {
  const length = ids.shape[1] as number;
  if (length > limit) {
    throw new Error(`${config.modelType}: a batch of ${length} tokens exceeds the model's ${limit} positions (max_position_embeddings); lower model.max_length`);
  }
}

/** First token's vector: [b, L, D] → [b, D]. */
function firstToken(h: tf.Tensor): tf.Tensor {
  const [batch, , dim] = h.shape as [number, number, number];
  return tf.reshape(tf.slice(h, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
}

/** BERT and RoBERTa (they share the encoder; embeddings' positions and the head differ). */
export function buildBertFamily(config: EncoderConfig, numLabels: number, param: ParamFactory): FunctionalModelSpec {
  const { prefix, hiddenSize: dim, intermediateSize: ff, numHeads: heads, layerNormEps: eps } = config;
  if (dim % heads !== 0) throw new Error(`${config.modelType}: num_attention_heads (${heads}) must divide hidden_size (${dim})`);
  const roberta = config.family === 'roberta';
  const e = `${prefix}.embeddings`;
  const words = param(`${e}.word_embeddings.weight`, [config.vocabSize, dim], 'embedding');
  const positions = param(`${e}.position_embeddings.weight`, [config.maxPositions, dim], 'embedding');
  const types = config.typeVocabSize > 0 ? param(`${e}.token_type_embeddings.weight`, [config.typeVocabSize, dim], 'embedding') : undefined;
  const embNorm = norm(param, `${e}.LayerNorm`, dim, eps);
  const layers = Array.from({ length: config.numLayers }, (_, i) => {
    const p = `${prefix}.encoder.layer.${i}`;
    return {
      attention: {
        query: linear(param, `${p}.attention.self.query`, dim, dim),
        key: linear(param, `${p}.attention.self.key`, dim, dim),
        value: linear(param, `${p}.attention.self.value`, dim, dim),
        output: linear(param, `${p}.attention.output.dense`, dim, dim),
      },
      attentionNorm: norm(param, `${p}.attention.output.LayerNorm`, dim, eps),
      intermediate: linear(param, `${p}.intermediate.dense`, dim, ff),
      output: linear(param, `${p}.output.dense`, ff, dim),
      outputNorm: norm(param, `${p}.output.LayerNorm`, dim, eps),
    };
  });
  const pooler = roberta ? undefined : linear(param, `${prefix}.pooler.dense`, dim, dim);
  const head = roberta
    ? { dense: linear(param, 'classifier.dense', dim, dim), out: linear(param, 'classifier.out_proj', dim, numLabels) }
    : { dense: undefined, out: linear(param, 'classifier', dim, numLabels) };
  const positionLimit = roberta ? config.maxPositions - config.padTokenId - 1 : config.maxPositions;

  return {
    architecture: config.modelType,
    inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
    optionalInputs: ['attention_mask', 'token_type_ids'],
    numLabels,
    body: (inputs, dropout) => {
      const ids = inputs.input_ids.dtype === 'int32' ? inputs.input_ids : tf.cast(inputs.input_ids, 'int32');
      checkLength(config, ids, positionLimit);
      const [batch, length] = ids.shape as [number, number];
      const mask = floatMask(inputs);
      let positionIds: tf.Tensor;
      if (roberta) {
        // create_position_ids_from_input_ids: real tokens count up from padding_idx + 1, padding keeps padding_idx.
        const real = tf.cast(tf.notEqual(ids, config.padTokenId), 'int32');
        positionIds = tf.add(tf.mul(tf.cumsum(real, 1), real), config.padTokenId);
      } else {
        positionIds = tf.tile(tf.expandDims(tf.range(0, length, 1, 'int32'), 0), [batch, 1]);
      }
      let h = tf.add(embed(words, ids), embed(positions, positionIds));
      if (types) {
        const typeIds = inputs.token_type_ids ?? tf.zerosLike(ids);
        h = tf.add(h, embed(types, typeIds));
      }
      h = dropout.apply(embNorm(h), config.hiddenDropout);
      const maskBias = tf.reshape(tf.mul(tf.sub(1, mask), FLOAT32_MIN), [batch, 1, 1, length]);
      for (const layer of layers) {
        const attended = dropout.apply(attend(h, layer.attention, maskBias, heads, config.attentionDropout, dropout), config.hiddenDropout);
        h = layer.attentionNorm(tf.add(attended, h));
        const ffOut = dropout.apply(layer.output(activate(layer.intermediate(h), config.activation)), config.hiddenDropout);
        h = layer.outputNorm(tf.add(ffOut, h));
      }
      const first = firstToken(h);
      if (pooler) return head.out(dropout.apply(tf.tanh(pooler(first)), config.classifierDropout));
      const x = tf.tanh((head.dense as Layer)(dropout.apply(first, config.classifierDropout)));
      return head.out(dropout.apply(x, config.classifierDropout));
    },
  };
}

/** DistilBERT: no token types, q_lin/k_lin/v_lin/out_lin, and pre_classifier → ReLU → dropout → classifier. */
export function buildDistilBert(config: EncoderConfig, numLabels: number, param: ParamFactory): FunctionalModelSpec {
  const { prefix, hiddenSize: dim, intermediateSize: ff, numHeads: heads, layerNormEps: eps } = config;
  if (dim % heads !== 0) throw new Error(`distilbert: n_heads (${heads}) must divide dim (${dim})`);
  const e = `${prefix}.embeddings`;
  const words = param(`${e}.word_embeddings.weight`, [config.vocabSize, dim], 'embedding');
  const positions = param(`${e}.position_embeddings.weight`, [config.maxPositions, dim], 'embedding');
  const embNorm = norm(param, `${e}.LayerNorm`, dim, eps);
  const layers = Array.from({ length: config.numLayers }, (_, i) => {
    const p = `${prefix}.transformer.layer.${i}`;
    return {
      attention: {
        query: linear(param, `${p}.attention.q_lin`, dim, dim),
        key: linear(param, `${p}.attention.k_lin`, dim, dim),
        value: linear(param, `${p}.attention.v_lin`, dim, dim),
        output: linear(param, `${p}.attention.out_lin`, dim, dim),
      },
      attentionNorm: norm(param, `${p}.sa_layer_norm`, dim, eps),
      lin1: linear(param, `${p}.ffn.lin1`, dim, ff),
      lin2: linear(param, `${p}.ffn.lin2`, ff, dim),
      outputNorm: norm(param, `${p}.output_layer_norm`, dim, eps),
    };
  });
  const preClassifier = linear(param, 'pre_classifier', dim, dim);
  const classifier = linear(param, 'classifier', dim, numLabels);

  return {
    architecture: config.modelType,
    inputNames: ['input_ids', 'attention_mask'],
    optionalInputs: ['attention_mask'],
    numLabels,
    body: (inputs, dropout) => {
      const ids = inputs.input_ids.dtype === 'int32' ? inputs.input_ids : tf.cast(inputs.input_ids, 'int32');
      checkLength(config, ids, config.maxPositions);
      const [batch, length] = ids.shape as [number, number];
      const mask = floatMask(inputs);
      const positionIds = tf.tile(tf.expandDims(tf.range(0, length, 1, 'int32'), 0), [batch, 1]);
      let h = dropout.apply(embNorm(tf.add(embed(words, ids), embed(positions, positionIds))), config.hiddenDropout);
      const maskBias = tf.reshape(tf.mul(tf.sub(1, mask), FLOAT32_MIN), [batch, 1, 1, length]);
      for (const layer of layers) {
        const attended = attend(h, layer.attention, maskBias, heads, config.attentionDropout, dropout);
        h = layer.attentionNorm(tf.add(attended, h));
        const ffOut = dropout.apply(layer.lin2(activate(layer.lin1(h), config.activation)), config.hiddenDropout);
        h = layer.outputNorm(tf.add(ffOut, h));
      }
      const pooled = dropout.apply(tf.relu(preClassifier(firstToken(h))), config.classifierDropout);
      return classifier(pooled);
    },
  };
}

/** Weight-name prefixes of the task head, which a base checkpoint lacks and a new label set replaces. */
export function headPrefixes(config: EncoderConfig): string[] {
  if (config.family === 'distilbert') return ['pre_classifier.', 'classifier.'];
  return ['classifier.'];
}
