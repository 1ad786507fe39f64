/**
 * A transformer's sizes as the memory plan needs them, read from a transformers config.json without
 * loading weights, and its parameters by transformers' names (for `model.freeze` and LoRA targets).
 * No tfjs, no files: the language server uses this too.
 */
import { readEncoderConfig, SUPPORTED_MODEL_TYPES } from '../models/hf/config';

/**
 * How a block's activations grow: transformers' post-LN encoders (BERT, RoBERTa, DistilBERT),
 * GPT-2's pre-LN decoder with a plain MLP, and Llama-style decoders (RMSNorm, gated SwiGLU MLP, rotary).
 */
export type BlockKind = 'post-ln-encoder' | 'pre-ln-decoder' | 'gated-decoder';

export interface TransformerShape {
  modelType: string;
  block: BlockKind;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention); numHeads when the config has none. */
  numKvHeads: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  /** Rows of BERT's token-type embedding (0 where the model has none). */
  typeVocabSize: number;
  hiddenDropout: number;
  attentionDropout: number;
  /** Sequence classification keeps [b, labels] logits; a causal LM keeps [b, L, vocab] logits. */
  head: 'sequence-classification' | 'causal-lm';
  numLabels: number;
  /** A causal LM whose output projection is the input embedding (no separate lm_head weight). */
  tiedEmbeddings: boolean;
}

/** A torch Linear of the model: the unit LoRA adapts. `in`/`out` as torch's in_features/out_features. */
export interface LinearModule {
  name: string;
  inDim: number;
  outDim: number;
  bias: boolean;
}

export interface ParameterEntry {
  name: string;
  size: number;
}

/** Model types the plan knows the shape of: the encoders built today, and the decoders' config keys. */
export const DECODER_MODEL_TYPES = ['gpt2', 'llama', 'qwen2', 'mistral'] as const;

/** Reads config.json's object; `source` (its path) prefixes errors. Throws for a model_type it does not know. */
export function transformerShape(json: Record<string, unknown>, source: string, numLabels?: number): TransformerShape {
  const modelType = json.model_type;
  if (typeof modelType === 'string' && (DECODER_MODEL_TYPES as readonly string[]).includes(modelType)) return decoderShape(json, modelType, source);
  const config = readEncoderConfig(json, source);
  return {
    modelType: config.modelType,
    block: 'post-ln-encoder',
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    numKvHeads: config.numHeads,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    maxPositions: config.maxPositions,
    typeVocabSize: config.typeVocabSize,
    hiddenDropout: config.hiddenDropout,
    attentionDropout: config.attentionDropout,
    head: 'sequence-classification',
    numLabels: numLabels ?? config.numLabels,
    tiedEmbeddings: false,
  };
}

/** True for a model_type whose shape `transformerShape` reads. */
export function isPlannedModelType(modelType: unknown): boolean {
  return typeof modelType === 'string' && ([...SUPPORTED_MODEL_TYPES, ...DECODER_MODEL_TYPES] as readonly string[]).includes(modelType);
}

function decoderShape(json: Record<string, unknown>, modelType: string, source: string): TransformerShape {
  const int = (key: string, fallback?: number): number => {
    const value = json[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`${source}: "${key}" must be a positive integer, got ${JSON.stringify(json[key])}`);
    return value;
  };
  const num = (key: string, fallback: number): number => (typeof json[key] === 'number' ? (json[key] as number) : fallback);
  if (modelType === 'gpt2') {
    const hidden = int('n_embd', 768);
    return {
      modelType,
      block: 'pre-ln-decoder',
      hiddenSize: hidden,
      numLayers: int('n_layer', 12),
      numHeads: int('n_head', 12),
      numKvHeads: int('n_head', 12),
      intermediateSize: typeof json.n_inner === 'number' ? int('n_inner') : 4 * hidden,
      vocabSize: int('vocab_size', 50257),
      maxPositions: int('n_positions', 1024),
      typeVocabSize: 0,
      hiddenDropout: num('resid_pdrop', 0.1),
      attentionDropout: num('attn_pdrop', 0.1),
      head: 'causal-lm',
      numLabels: 0,
      tiedEmbeddings: true,
    };
  }
  const heads = int('num_attention_heads', 32);
  return {
    modelType,
    block: 'gated-decoder',
    hiddenSize: int('hidden_size', 4096),
    numLayers: int('num_hidden_layers', 32),
    numHeads: heads,
    numKvHeads: int('num_key_value_heads', heads),
    intermediateSize: int('intermediate_size', 11008),
    vocabSize: int('vocab_size', 32000),
    maxPositions: int('max_position_embeddings', 2048),
    typeVocabSize: 0,
    hiddenDropout: 0,
    attentionDropout: num('attention_dropout', 0),
    head: 'causal-lm',
    numLabels: 0,
    tiedEmbeddings: json.tie_word_embeddings === true,
  };
}

/** The torch Linears of one block, named relative to the block (`attention.self.query`, `self_attn.q_proj`, ...). */
function blockLinears(shape: TransformerShape): LinearModule[] {
  const d = shape.hiddenSize;
  const f = shape.intermediateSize;
  const kv = (d / shape.numHeads) * shape.numKvHeads;
  const l = (name: string, inDim: number, outDim: number, bias = true): LinearModule => ({ name, inDim, outDim, bias });
  switch (shape.modelType) {
    case 'distilbert':
      return [l('attention.q_lin', d, d), l('attention.k_lin', d, d), l('attention.v_lin', d, d), l('attention.out_lin', d, d), l('ffn.lin1', d, f), l('ffn.lin2', f, d)];
    case 'gpt2':
      // Conv1D, not Linear, in transformers; PEFT adapts it the same way (fan_in_fan_out).
      return [l('attn.c_attn', d, 3 * d), l('attn.c_proj', d, d), l('mlp.c_fc', d, f), l('mlp.c_proj', f, d)];
    case 'llama':
    case 'mistral':
    case 'qwen2': {
      const qkvBias = shape.modelType === 'qwen2';
      return [
        l('self_attn.q_proj', d, d, qkvBias),
        l('self_attn.k_proj', d, kv, qkvBias),
        l('self_attn.v_proj', d, kv, qkvBias),
        l('self_attn.o_proj', d, d, false),
        l('mlp.gate_proj', d, f, false),
        l('mlp.up_proj', d, f, false),
        l('mlp.down_proj', f, d, false),
      ];
    }
    default:
      return [
        l('attention.self.query', d, d),
        l('attention.self.key', d, d),
        l('attention.self.value', d, d),
        l('attention.output.dense', d, d),
        l('intermediate.dense', d, f),
        l('output.dense', f, d),
      ];
  }
}

function blockPrefix(shape: TransformerShape, layer: number): string {
  switch (shape.modelType) {
    case 'distilbert':
      return `distilbert.transformer.layer.${layer}`;
    case 'gpt2':
      return `transformer.h.${layer}`;
    case 'llama':
    case 'mistral':
    case 'qwen2':
      return `model.layers.${layer}`;
    case 'roberta':
    case 'xlm-roberta':
      return `roberta.encoder.layer.${layer}`;
    default:
      return `bert.encoder.layer.${layer}`;
  }
}

/** Every torch Linear of the model by its full transformers name (heads included). */
export function linearModules(shape: TransformerShape): LinearModule[] {
  const out: LinearModule[] = [];
  for (let i = 0; i < shape.numLayers; i++) {
    const prefix = blockPrefix(shape, i);
    for (const m of blockLinears(shape)) out.push({ ...m, name: `${prefix}.${m.name}` });
  }
  return [...out, ...headLinears(shape)];
}

function headLinears(shape: TransformerShape): LinearModule[] {
  const d = shape.hiddenSize;
  const labels = shape.numLabels;
  if (shape.head === 'causal-lm') return shape.tiedEmbeddings ? [] : [{ name: 'lm_head', inDim: d, outDim: shape.vocabSize, bias: false }];
  switch (shape.modelType) {
    case 'distilbert':
      return [
        { name: 'pre_classifier', inDim: d, outDim: d, bias: true },
        { name: 'classifier', inDim: d, outDim: labels, bias: true },
      ];
    case 'roberta':
    case 'xlm-roberta':
      return [
        { name: 'classifier.dense', inDim: d, outDim: d, bias: true },
        { name: 'classifier.out_proj', inDim: d, outDim: labels, bias: true },
      ];
    default:
      return [
        { name: 'bert.pooler.dense', inDim: d, outDim: d, bias: true },
        { name: 'classifier', inDim: d, outDim: labels, bias: true },
      ];
  }
}

/** Every parameter by transformers' name with its element count: what the built model holds. */
export function parameterTable(shape: TransformerShape): ParameterEntry[] {
  const { maxPositions, typeVocabSize } = shape;
  const d = shape.hiddenSize;
  const out: ParameterEntry[] = [];
  const add = (name: string, size: number) => out.push({ name, size });
  const norm = (name: string, bias = true) => {
    add(`${name}.weight`, d);
    if (bias) add(`${name}.bias`, d);
  };
  const linears = (prefix: string, modules: LinearModule[]) => {
    for (const m of modules) {
      add(`${prefix}${m.name}.weight`, m.inDim * m.outDim);
      if (m.bias) add(`${prefix}${m.name}.bias`, m.outDim);
    }
  };
  switch (shape.block) {
    case 'post-ln-encoder': {
      const base = shape.modelType === 'distilbert' ? 'distilbert' : shape.modelType === 'bert' ? 'bert' : 'roberta';
      add(`${base}.embeddings.word_embeddings.weight`, shape.vocabSize * d);
      add(`${base}.embeddings.position_embeddings.weight`, maxPositions * d);
      if (typeVocabSize > 0) add(`${base}.embeddings.token_type_embeddings.weight`, typeVocabSize * d);
      norm(`${base}.embeddings.LayerNorm`);
      for (let i = 0; i < shape.numLayers; i++) {
        const prefix = `${blockPrefix(shape, i)}.`;
        const modules = blockLinears(shape);
        if (base === 'distilbert') {
          linears(prefix, modules.slice(0, 4));
          norm(`${prefix}sa_layer_norm`);
          linears(prefix, modules.slice(4));
          norm(`${prefix}output_layer_norm`);
        } else {
          linears(prefix, modules.slice(0, 4));
          norm(`${prefix}attention.output.LayerNorm`);
          linears(prefix, modules.slice(4));
          norm(`${prefix}output.LayerNorm`);
        }
      }
      break;
    }
    case 'pre-ln-decoder':
      add('transformer.wte.weight', shape.vocabSize * d);
      add('transformer.wpe.weight', maxPositions * d);
      for (let i = 0; i < shape.numLayers; i++) {
        const prefix = `${blockPrefix(shape, i)}.`;
        const modules = blockLinears(shape);
        norm(`${prefix}ln_1`);
        linears(prefix, modules.slice(0, 2));
        norm(`${prefix}ln_2`);
        linears(prefix, modules.slice(2));
      }
      norm('transformer.ln_f');
      break;
    case 'gated-decoder':
      add('model.embed_tokens.weight', shape.vocabSize * d);
      for (let i = 0; i < shape.numLayers; i++) {
        const prefix = `${blockPrefix(shape, i)}.`;
        norm(`${prefix}input_layernorm`, false);
        const modules = blockLinears(shape);
        linears(prefix, modules.slice(0, 4));
        norm(`${prefix}post_attention_layernorm`, false);
        linears(prefix, modules.slice(4));
      }
      norm('model.norm', false);
      break;
  }
  linears('', headLinears(shape));
  return out;
}
