/**
 * A transformer's sizes as the memory plan needs them, read from a transformers config.json without
 * loading weights, and its parameters by transformers' names (for `model.freeze` and LoRA targets).
 * No tfjs, no files: the language server uses this too.
 */
import { readEncoderConfig, SUPPORTED_MODEL_TYPES } from '../models/hf/config';
import { DECODER_MODEL_TYPES, isDecoderModelType, readDecoderConfig } from '../models/hf/decoder-config';

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
  /** Per head: hidden / heads unless config.json gives head_dim. */
  headDim: number;
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
  /** Which Linears have a bias: q/k/v, the attention output, the MLP (Llama's attention_bias / mlp_bias, Qwen2's q/k/v). */
  biases: { qkv: boolean; output: boolean; mlp: boolean };
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

/** Reads config.json's object; `source` (its path) prefixes errors. Throws for a model_type it does not know. */
export function transformerShape(json: Record<string, unknown>, source: string, numLabels?: number): TransformerShape {
  const modelType = json.model_type;
  if (isDecoderModelType(modelType)) return decoderShape(json, source);
  const config = readEncoderConfig(json, source);
  return {
    modelType: config.modelType,
    block: 'post-ln-encoder',
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    numKvHeads: config.numHeads,
    headDim: config.hiddenSize / config.numHeads,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    maxPositions: config.maxPositions,
    typeVocabSize: config.typeVocabSize,
    hiddenDropout: config.hiddenDropout,
    attentionDropout: config.attentionDropout,
    head: 'sequence-classification',
    numLabels: numLabels ?? config.numLabels,
    tiedEmbeddings: false,
    biases: { qkv: true, output: true, mlp: true },
  };
}

/** True for a model_type whose shape `transformerShape` reads. */
export function isPlannedModelType(modelType: unknown): boolean {
  return typeof modelType === 'string' && ([...SUPPORTED_MODEL_TYPES, ...DECODER_MODEL_TYPES] as readonly string[]).includes(modelType);
}

/** A decoder's shape from the same reader the loader uses (head_dim, GQA, biases, tied head as transformers reads them). */
function decoderShape(json: Record<string, unknown>, source: string): TransformerShape {
  const config = readDecoderConfig(json, source);
  return {
    modelType: config.modelType,
    block: config.family === 'gpt2' ? 'pre-ln-decoder' : 'gated-decoder',
    hiddenSize: config.hiddenSize,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    numKvHeads: config.numKeyValueHeads,
    headDim: config.headDim,
    intermediateSize: config.intermediateSize,
    vocabSize: config.vocabSize,
    maxPositions: config.maxPositions,
    typeVocabSize: 0,
    hiddenDropout: Math.max(config.residualDropout, config.embeddingDropout),
    attentionDropout: config.attentionDropout,
    head: 'causal-lm',
    numLabels: 0,
    tiedEmbeddings: config.tieWordEmbeddings,
    biases: { qkv: config.qkvBias, output: config.outputBias, mlp: config.mlpBias },
  };
}

/** The torch Linears of one block, named relative to the block (`attention.self.query`, `self_attn.q_proj`, ...). */
function blockLinears(shape: TransformerShape): LinearModule[] {
  const d = shape.hiddenSize;
  const f = shape.intermediateSize;
  const kv = shape.headDim * shape.numKvHeads;
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
      const q = shape.numHeads * shape.headDim;
      const { qkv, output, mlp } = shape.biases;
      return [
        l('self_attn.q_proj', d, q, qkv),
        l('self_attn.k_proj', d, kv, qkv),
        l('self_attn.v_proj', d, kv, qkv),
        l('self_attn.o_proj', q, d, output),
        l('mlp.gate_proj', d, f, mlp),
        l('mlp.up_proj', d, f, mlp),
        l('mlp.down_proj', f, d, mlp),
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
