/**
 * A transformers config.json read into the sizes and settings the encoder builders need, with
 * transformers' defaults for absent keys. Knows no tfjs and no files, so the language server uses it too.
 */

import { configFields } from './config-fields';

export const SUPPORTED_MODEL_TYPES = ['bert', 'roberta', 'distilbert', 'xlm-roberta'] as const;
export type EncoderFamily = 'bert' | 'roberta' | 'distilbert';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';
export type Activation = 'gelu' | 'gelu_new' | 'relu' | 'silu';

export interface EncoderConfig {
  modelType: string;
  family: EncoderFamily;
  /** Key prefix of the base model's weights: `bert`, `roberta`, `distilbert`. */
  prefix: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  activation: Activation;
  hiddenDropout: number;
  attentionDropout: number;
  classifierDropout: number;
  padTokenId: number;
  initializerRange: number;
  numLabels: number;
  problemType?: ProblemType;
  /** Label names by id, from id2label (absent when they are the default LABEL_i). */
  labelNames?: string[];
}

const ACTIVATIONS: Record<string, Activation> = {
  gelu: 'gelu',
  gelu_new: 'gelu_new',
  gelu_pytorch_tanh: 'gelu_new',
  gelu_fast: 'gelu_new',
  relu: 'relu',
  silu: 'silu',
  swish: 'silu',
};

/** Reads config.json's object; `source` (the file path) prefixes every error. */
export function readEncoderConfig(json: Record<string, unknown>, source: string): EncoderConfig {
  const modelType = json.model_type;
  if (typeof modelType !== 'string') throw new Error(`${source}: no "model_type"; expected one of ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new Error(`${source}: model_type "${modelType}" is not supported; supported: ${SUPPORTED_MODEL_TYPES.join(', ')}`);
  }
  const { int, num } = configFields(json, source);
  const activationOf = (key: string, fallback: string): Activation => {
    const name = json[key] ?? fallback;
    const activation = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
    if (!activation) throw new Error(`${source}: "${key}" is ${JSON.stringify(name)}; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
    return activation;
  };
  const labels = labelInfo(json, source);
  const problemType = json.problem_type;
  if (problemType !== undefined && problemType !== null && !['single_label_classification', 'multi_label_classification', 'regression'].includes(problemType as string)) {
    throw new Error(`${source}: problem_type ${JSON.stringify(problemType)} is not one of single_label_classification, multi_label_classification, regression`);
  }
  const common = { modelType, numLabels: labels.numLabels, ...(labels.names ? { labelNames: labels.names } : {}), ...(problemType ? { problemType: problemType as ProblemType } : {}) };

  if (modelType === 'distilbert') {
    const dropout = num('dropout', 0.1);
    return {
      ...common,
      family: 'distilbert',
      prefix: 'distilbert',
      vocabSize: int('vocab_size', 30522),
      hiddenSize: int('dim', 768),
      numLayers: int('n_layers', 6),
      numHeads: int('n_heads', 12),
      intermediateSize: int('hidden_dim', 3072),
      maxPositions: int('max_position_embeddings', 512),
      typeVocabSize: 0,
      layerNormEps: 1e-12, // fixed in transformers' DistilBERT
      activation: activationOf('activation', 'gelu'),
      hiddenDropout: dropout,
      attentionDropout: num('attention_dropout', 0.1),
      classifierDropout: num('seq_classif_dropout', 0.2),
      padTokenId: int('pad_token_id', 0),
      initializerRange: num('initializer_range', 0.02),
    };
  }
  const roberta = modelType === 'roberta' || modelType === 'xlm-roberta';
  const hiddenDropout = num('hidden_dropout_prob', 0.1);
  const classifierDropout = json.classifier_dropout;
  return {
    ...common,
    family: roberta ? 'roberta' : 'bert',
    prefix: roberta ? 'roberta' : 'bert',
    vocabSize: int('vocab_size', 30522),
    hiddenSize: int('hidden_size', 768),
    numLayers: int('num_hidden_layers', 12),
    numHeads: int('num_attention_heads', 12),
    intermediateSize: int('intermediate_size', 3072),
    maxPositions: int('max_position_embeddings', 512),
    typeVocabSize: int('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
    activation: activationOf('hidden_act', 'gelu'),
    hiddenDropout,
    attentionDropout: num('attention_probs_dropout_prob', 0.1),
    classifierDropout: typeof classifierDropout === 'number' ? classifierDropout : hiddenDropout,
    padTokenId: int('pad_token_id', roberta ? 1 : 0),
    initializerRange: num('initializer_range', 0.02),
  };
}

/** num_labels and label names as transformers reads them: id2label wins over num_labels. */
function labelInfo(json: Record<string, unknown>, source: string): { numLabels: number; names?: string[] } {
  const id2label = json.id2label;
  if (typeof id2label === 'object' && id2label !== null && !Array.isArray(id2label)) {
    const entries = Object.entries(id2label as Record<string, unknown>);
    const names: string[] = [];
    for (const [id, name] of entries) {
      const index = Number(id);
      if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof name !== 'string') {
        throw new Error(`${source}: id2label must map the ids 0..${entries.length - 1} to names; got ${JSON.stringify(id)}: ${JSON.stringify(name)}`);
      }
      names[index] = name;
    }
    const isDefault = names.every((name, i) => name === `LABEL_${i}`);
    return { numLabels: names.length, ...(isDefault ? {} : { names }) };
  }
  const numLabels = json.num_labels;
  return { numLabels: typeof numLabels === 'number' && Number.isInteger(numLabels) && numLabels > 0 ? numLabels : 2 };
}

/** The positions a tokenizer may fill: RoBERTa's first padding_idx + 1 positions are never used. */
export function usablePositions(config: EncoderConfig): number {
  return config.family === 'roberta' ? config.maxPositions - config.padTokenId - 1 : config.maxPositions;
}

/** `BertForSequenceClassification` and friends, for config.json's `architectures`. */
export function sequenceClassificationClass(config: EncoderConfig): string {
  const names: Record<string, string> = {
    bert: 'BertForSequenceClassification',
    roberta: 'RobertaForSequenceClassification',
    'xlm-roberta': 'XLMRobertaForSequenceClassification',
    distilbert: 'DistilBertForSequenceClassification',
  };
  return names[config.modelType] ?? 'BertForSequenceClassification';
}

/** The task HF's *ForSequenceClassification picks: the config's problem_type, else by num_labels. */
export function problemTypeOf(config: Pick<EncoderConfig, 'problemType' | 'numLabels'>): ProblemType {
  return config.problemType ?? (config.numLabels === 1 ? 'regression' : 'single_label_classification');
}

/** Parameters of the *ForSequenceClassification model that this config describes (no files read). */
export function parameterCount(config: EncoderConfig): number {
  const h = config.hiddenSize;
  const linear = (inDim: number, outDim: number) => inDim * outDim + outDim;
  const norm = 2 * h;
  const embeddings = (config.vocabSize + config.maxPositions + config.typeVocabSize) * h + norm;
  const layer = 4 * linear(h, h) + linear(h, config.intermediateSize) + linear(config.intermediateSize, h) + 2 * norm;
  const head = linear(h, h) + linear(h, config.numLabels); // BERT's pooler, RoBERTa's dense, DistilBERT's pre_classifier; then the classifier
  return embeddings + config.numLayers * layer + head;
}

/** One-paragraph Markdown summary for hovers: sizes, parameters, positions and labels. */
export function checkpointSummary(config: EncoderConfig): string {
  const labels = config.labelNames ? config.labelNames.join(', ') : `${config.numLabels} (LABEL_0…)`;
  return [
    `**${config.modelType}** checkpoint: ${config.numLayers} layers, hidden ${config.hiddenSize}, ${config.numHeads} heads, vocab ${config.vocabSize}`,
    `${parameterCount(config).toLocaleString('en-US')} parameters · max positions ${usablePositions(config)}`,
    `labels: ${labels}${config.problemType ? ` · ${config.problemType}` : ''}`,
  ].join('\n\n');
}

/** The torch Linear modules the builders make for this config, in build order (LoRA targets them by these names). */
export function linearModuleNames(config: EncoderConfig): string[] {
  const { prefix } = config;
  const names: string[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    if (config.family === 'distilbert') {
      const p = `${prefix}.transformer.layer.${i}`;
      names.push(`${p}.attention.q_lin`, `${p}.attention.k_lin`, `${p}.attention.v_lin`, `${p}.attention.out_lin`, `${p}.ffn.lin1`, `${p}.ffn.lin2`);
    } else {
      const p = `${prefix}.encoder.layer.${i}`;
      names.push(`${p}.attention.self.query`, `${p}.attention.self.key`, `${p}.attention.self.value`, `${p}.attention.output.dense`, `${p}.intermediate.dense`, `${p}.output.dense`);
    }
  }
  if (config.family === 'distilbert') names.push('pre_classifier', 'classifier');
  else if (config.family === 'roberta') names.push('classifier.dense', 'classifier.out_proj');
  else names.push(`${prefix}.pooler.dense`, 'classifier');
  return names;
}
