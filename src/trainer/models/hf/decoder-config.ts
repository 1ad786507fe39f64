/**
 * A transformers config.json of a decoder language model (GPT-2, Llama, Qwen2, Mistral) read into
 * the sizes and settings the decoder builders need, with transformers' defaults for absent keys.
 * Both transformers 4 (`rope_theta`, `rope_scaling`) and 5 (`rope_parameters`) spellings are read.
 * Knows no tfjs and no files, so the language server uses it too.
 */
import type { Activation } from './config';
import { configFields } from './config-fields';

export const DECODER_MODEL_TYPES = ['gpt2', 'llama', 'qwen2', 'mistral'] as const;
export type DecoderFamily = 'gpt2' | 'llama';
/** RoPE scalings implemented here; any other `rope_type` is refused when the config is read. */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear'] as const;

export interface RopeConfig {
  theta: number;
  /** `linear` divides the inverse frequencies by `factor` (position interpolation). */
  type: (typeof SUPPORTED_ROPE_TYPES)[number];
  factor: number;
}

export interface DecoderConfig {
  modelType: string;
  /** gpt2: learned positions, LayerNorm, Conv1D, GELU MLP; llama: RMSNorm, RoPE, GQA, SwiGLU (qwen2 and mistral too). */
  family: DecoderFamily;
  /** Key prefix of the base model's weights: `transformer` (GPT-2) or `model`. */
  prefix: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  intermediateSize: number;
  maxPositions: number;
  activation: Activation;
  /** LayerNorm eps (GPT-2) or RMSNorm eps (Llama family). */
  normEps: number;
  tieWordEmbeddings: boolean;
  /** Biases of q/k/v (Qwen2: always; Llama: attention_bias) and of o_proj (Llama's attention_bias). */
  qkvBias: boolean;
  outputBias: boolean;
  mlpBias: boolean;
  rope?: RopeConfig;
  /** Per layer: keys further back than this many positions are not attended (Mistral, Qwen2 sliding layers). */
  slidingWindows: Array<number | undefined>;
  /** GPT-2's scale_attn_weights and scale_attn_by_inverse_layer_idx. */
  scaleAttnWeights: boolean;
  scaleAttnByInverseLayerIdx: boolean;
  embeddingDropout: number;
  attentionDropout: number;
  residualDropout: number;
  initializerRange: number;
  padTokenId?: number;
  bosTokenId?: number;
  eosTokenIds: number[];
  numLabels: number;
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

export function isDecoderModelType(modelType: unknown): boolean {
  return typeof modelType === 'string' && (DECODER_MODEL_TYPES as readonly string[]).includes(modelType);
}

/** Reads config.json's object; `source` (the file path) prefixes every error. */
export function readDecoderConfig(json: Record<string, unknown>, source: string): DecoderConfig {
  const modelType = json.model_type;
  if (!isDecoderModelType(modelType)) {
    throw new Error(`${source}: model_type ${JSON.stringify(modelType)} is not a supported decoder; supported: ${DECODER_MODEL_TYPES.join(', ')}`);
  }
  const { int, num, bool } = configFields(json, source);
  const activationOf = (key: string, fallback: string): Activation => {
    const name = json[key] ?? fallback;
    const activation = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
    if (!activation) throw new Error(`${source}: "${key}" is ${JSON.stringify(name)}; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
    return activation;
  };
  const optionalId = (key: string): number | undefined => (typeof json[key] === 'number' ? (json[key] as number) : undefined);
  const eos = json.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((id): id is number => typeof id === 'number') : typeof eos === 'number' ? [eos] : [];
  const numLabels = numLabelsOf(json);
  const ids = { padTokenId: optionalId('pad_token_id'), bosTokenId: optionalId('bos_token_id'), eosTokenIds, numLabels };

  if (modelType === 'gpt2') {
    const hidden = int('n_embd', 768);
    const heads = int('n_head', 12);
    if (hidden % heads !== 0) throw new Error(`${source}: n_head (${heads}) must divide n_embd (${hidden})`);
    const inner = json.n_inner;
    const layers = int('n_layer', 12);
    return {
      modelType: 'gpt2',
      family: 'gpt2',
      prefix: 'transformer',
      vocabSize: int('vocab_size', 50257),
      hiddenSize: hidden,
      numLayers: layers,
      numHeads: heads,
      numKeyValueHeads: heads,
      headDim: hidden / heads,
      intermediateSize: typeof inner === 'number' ? inner : 4 * hidden,
      maxPositions: int('n_positions', 1024),
      activation: activationOf('activation_function', 'gelu_new'),
      normEps: num('layer_norm_epsilon', 1e-5),
      tieWordEmbeddings: bool('tie_word_embeddings', true),
      qkvBias: true,
      outputBias: true,
      mlpBias: true,
      slidingWindows: new Array<undefined>(layers).fill(undefined),
      scaleAttnWeights: bool('scale_attn_weights', true),
      scaleAttnByInverseLayerIdx: bool('scale_attn_by_inverse_layer_idx', false),
      embeddingDropout: num('embd_pdrop', 0.1),
      attentionDropout: num('attn_pdrop', 0.1),
      residualDropout: num('resid_pdrop', 0.1),
      initializerRange: num('initializer_range', 0.02),
      ...ids,
    };
  }

  const defaults = LLAMA_DEFAULTS[modelType as string];
  const hidden = int('hidden_size', 4096);
  const heads = int('num_attention_heads', 32);
  const kvHeads = int('num_key_value_heads', defaults.kvHeads ?? heads);
  const headDim = json.head_dim === undefined || json.head_dim === null ? hidden / heads : int('head_dim');
  if (!Number.isInteger(headDim)) throw new Error(`${source}: num_attention_heads (${heads}) must divide hidden_size (${hidden}), or give head_dim`);
  if (kvHeads === 0 || heads % kvHeads !== 0) throw new Error(`${source}: num_key_value_heads (${kvHeads}) must divide num_attention_heads (${heads})`);
  if (headDim % 2 !== 0) throw new Error(`${source}: the head size ${headDim} must be even for rotary embeddings`);
  const layers = int('num_hidden_layers', 32);
  const attentionBias = bool('attention_bias', false);
  return {
    modelType: modelType as string,
    family: 'llama',
    prefix: 'model',
    vocabSize: int('vocab_size', defaults.vocab),
    hiddenSize: hidden,
    numLayers: layers,
    numHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim,
    intermediateSize: int('intermediate_size', defaults.intermediate),
    maxPositions: int('max_position_embeddings', defaults.positions),
    activation: activationOf('hidden_act', 'silu'),
    normEps: num('rms_norm_eps', 1e-6),
    tieWordEmbeddings: bool('tie_word_embeddings', false),
    qkvBias: modelType === 'qwen2' ? true : modelType === 'llama' && attentionBias,
    outputBias: modelType === 'llama' && attentionBias,
    mlpBias: modelType === 'llama' && bool('mlp_bias', false),
    rope: readRope(json, source),
    slidingWindows: slidingWindows(json, modelType as string, layers, source),
    scaleAttnWeights: true,
    scaleAttnByInverseLayerIdx: false,
    embeddingDropout: 0,
    attentionDropout: num('attention_dropout', 0),
    residualDropout: 0,
    initializerRange: num('initializer_range', 0.02),
    ...ids,
  };
}

const LLAMA_DEFAULTS: Record<string, { vocab: number; intermediate: number; positions: number; kvHeads?: number }> = {
  llama: { vocab: 32000, intermediate: 11008, positions: 2048 },
  qwen2: { vocab: 151936, intermediate: 22016, positions: 32768 },
  mistral: { vocab: 32000, intermediate: 14336, positions: 4096 * 32, kvHeads: 8 },
};

/** rope_parameters (transformers 5) or rope_theta + rope_scaling (transformers 4). */
function readRope(json: Record<string, unknown>, source: string): RopeConfig {
  const parameters = json.rope_parameters ?? json.rope_scaling;
  const scaling = typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters) ? (parameters as Record<string, unknown>) : {};
  const key = json.rope_parameters !== undefined && json.rope_parameters !== null ? 'rope_parameters' : 'rope_scaling';
  const typeName = scaling.rope_type ?? scaling.type ?? 'default';
  if (!(SUPPORTED_ROPE_TYPES as readonly unknown[]).includes(typeName)) {
    throw new Error(
      `${source}: ${key} type ${JSON.stringify(typeName)} is not supported; supported: ${SUPPORTED_ROPE_TYPES.join(', ')} (remove ${key} or use "linear" to train with plain RoPE or position interpolation)`,
    );
  }
  const theta = scaling.rope_theta ?? json.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !(theta > 0)) throw new Error(`${source}: rope_theta must be a positive number, got ${JSON.stringify(theta)}`);
  const factor = typeName === 'linear' ? scaling.factor : 1;
  if (typeof factor !== 'number' || !(factor > 0)) throw new Error(`${source}: ${key}.factor must be a positive number for linear RoPE scaling, got ${JSON.stringify(factor)}`);
  return { theta, type: typeName as RopeConfig['type'], factor };
}

function slidingWindows(json: Record<string, unknown>, modelType: string, layers: number, source: string): Array<number | undefined> {
  const window = typeof json.sliding_window === 'number' ? json.sliding_window : undefined;
  if (modelType === 'mistral') return new Array<number | undefined>(layers).fill(json.sliding_window === undefined ? 4096 : window);
  if (modelType !== 'qwen2') return new Array<undefined>(layers).fill(undefined);
  const types = json.layer_types;
  if (Array.isArray(types)) {
    if (types.length !== layers) throw new Error(`${source}: layer_types has ${types.length} entries for ${layers} layers`);
    return types.map((type) => (type === 'sliding_attention' ? window : undefined));
  }
  const useSliding = json.use_sliding_window === true;
  const maxWindowLayers = typeof json.max_window_layers === 'number' ? json.max_window_layers : 28;
  return Array.from({ length: layers }, (_, i) => (useSliding && i >= maxWindowLayers ? window : undefined));
}

function numLabelsOf(json: Record<string, unknown>): number {
  const id2label = json.id2label;
  if (typeof id2label === 'object' && id2label !== null && !Array.isArray(id2label)) return Object.keys(id2label).length;
  return typeof json.num_labels === 'number' ? json.num_labels : 2;
}

/** The class transformers' Auto classes build for causal LM on this config. */
/** The torch Linear (GPT-2: Conv1D) modules the decoder builders make, in build order (LoRA targets them by these names). */
export function decoderLinearModuleNames(config: DecoderConfig): string[] {
  const names: string[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    if (config.family === 'gpt2') {
      const b = `${config.prefix}.h.${i}`;
      names.push(`${b}.attn.c_attn`, `${b}.attn.c_proj`, `${b}.mlp.c_fc`, `${b}.mlp.c_proj`);
    } else {
      const b = `${config.prefix}.layers.${i}`;
      names.push(...['q_proj', 'k_proj', 'v_proj', 'o_proj'].map((m) => `${b}.self_attn.${m}`), ...['gate_proj', 'up_proj', 'down_proj'].map((m) => `${b}.mlp.${m}`));
    }
  }
  // A tied head multiplies by the embedding table: no Linear of its own.
  if (!config.tieWordEmbeddings) names.push('lm_head');
  return names;
}

export function causalLmClass(config: Pick<DecoderConfig, 'modelType'>): string {
  const names: Record<string, string> = { gpt2: 'GPT2LMHeadModel', llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM' };
  return names[config.modelType] ?? 'LlamaForCausalLM';
}

/** Parameters of the causal-LM model this config describes (no files read); the tied head counts once. */
export function decoderParameterCount(config: DecoderConfig): number {
  const h = config.hiddenSize;
  const linear = (inDim: number, outDim: number, bias: boolean) => inDim * outDim + (bias ? outDim : 0);
  const q = config.numHeads * config.headDim;
  const kv = config.numKeyValueHeads * config.headDim;
  const head = config.tieWordEmbeddings ? 0 : config.vocabSize * h;
  if (config.family === 'gpt2') {
    const norm = 2 * h;
    const layer = 2 * norm + linear(h, 3 * h, true) + linear(h, h, true) + linear(h, config.intermediateSize, true) + linear(config.intermediateSize, h, true);
    return (config.vocabSize + config.maxPositions) * h + config.numLayers * layer + norm + head;
  }
  const attention = linear(h, q, config.qkvBias) + 2 * linear(h, kv, config.qkvBias) + linear(q, h, config.outputBias);
  const mlp = 2 * linear(h, config.intermediateSize, config.mlpBias) + linear(config.intermediateSize, h, config.mlpBias);
  return config.vocabSize * h + config.numLayers * (attention + mlp + 2 * h) + h + head;
}

/** One-paragraph Markdown summary for hovers: sizes, attention, parameters, positions. */
export function decoderSummary(config: DecoderConfig): string {
  const kv = config.numKeyValueHeads === config.numHeads ? '' : `, ${config.numKeyValueHeads} kv heads`;
  const rope = config.rope ? ` · RoPE θ ${config.rope.theta}${config.rope.type === 'linear' ? ` (linear ×${config.rope.factor})` : ''}` : '';
  return [
    `**${config.modelType}** causal LM: ${config.numLayers} layers, hidden ${config.hiddenSize}, ${config.numHeads} heads${kv}, head size ${config.headDim}, vocab ${config.vocabSize}`,
    `${decoderParameterCount(config).toLocaleString('en-US')} parameters · max positions ${config.maxPositions}${rope} · ${config.tieWordEmbeddings ? 'tied' : 'separate'} lm_head`,
  ].join('\n\n');
}
