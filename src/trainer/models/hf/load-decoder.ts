/**
 * Builds a GPT-2 / Llama / Qwen2 / Mistral causal LM from a Hugging Face folder, matching the file's
 * keys as transformers does: with or without the base-model prefix (`transformer.`, `model.`), an
 * absent lm_head when the embeddings are tied, buffers (GPT-2's attn.bias, rotary inv_freq) dropped.
 * GPT-2's Conv1D weights are [in, out] on disk and are read as they are; torch Linear is transposed.
 */
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../config/schema';
import { HF_CONFIG_FILE, readHfConfig, readHfWeights } from '../../io/hf-folder';
import type { SafetensorEntry } from '../../io/safetensors';
import { transpose } from '../../io/transpose';
import { normal, ones, zeros, type Initializer } from '../init';
import { isFrozen, WeightStore } from '../weights';
import { HfCausalLmModel } from './causal-lm';
import { readDecoderConfig, type DecoderConfig } from './decoder-config';
import { buildDecoder } from './decoders';
import type { ParamFactory, ParamKind } from './layers';
import { LoraAdapters } from './lora';
import type { LoraSettings } from './peft-config';

export interface LoadDecoderOptions {
  freeze?: readonly string[];
  seed?: number;
  /** Keys that replace config.json's (as `from_pretrained(dir, attn_pdrop=0)`). */
  configOverrides?: Record<string, unknown>;
  modelConfig?: ModelConfig;
  /** LoRA adapters on the target modules; every other weight is frozen but the modules to save. */
  lora?: LoraSettings;
  /** base_model_name_or_path for a saved adapter (default: `dir`). */
  baseModelName?: string;
}

export interface DecoderLoadReport {
  /** Weights initialised because the checkpoint lacks them (an untied lm_head). */
  initialised: string[];
  /** Checkpoint tensors the model does not use, besides known buffers and a tied lm_head. */
  unused: string[];
}

/** Buffers transformers stores in some checkpoints but are not parameters. */
const BUFFER = /(^|\.)(attn\.bias|attn\.masked_bias|rotary_emb\.inv_freq|position_ids)$/;

export async function loadHfCausalLm(dir: string, options: LoadDecoderOptions = {}): Promise<{ model: HfCausalLmModel; report: DecoderLoadReport }> {
  const configPath = join(dir, HF_CONFIG_FILE);
  const rawConfig = { ...(await readHfConfig(dir)), ...(options.configOverrides ?? {}) };
  const checkpoint = readDecoderConfig(rawConfig, configPath);
  const weights = await readHfWeights(dir);
  const byName = canonicalNames(weights.tensors, checkpoint);
  const used = new Set<string>();
  const initialised: string[] = [];
  const missing: string[] = [];
  const transposed = new Set<string>();
  const store = new WeightStore(options.seed ?? 42, options.freeze ?? []);
  const conv1d = checkpoint.family === 'gpt2';
  const param: ParamFactory = (name: string, shape: number[], kind: ParamKind): tf.Variable => {
    const isTransposed = kind === 'linear' && !(conv1d && name !== 'lm_head.weight');
    if (isTransposed) transposed.add(name);
    const fileKey = byName.get(name);
    if (fileKey === undefined) {
      if (name !== 'lm_head.weight') missing.push(name);
      initialised.push(name);
      return store.add(name, shape, initializerFor(kind, checkpoint));
    }
    used.add(fileKey);
    const entry = weights.tensors.get(fileKey) as SafetensorEntry;
    const fileShape = isTransposed ? [shape[1], shape[0]] : shape;
    const file = weights.fileOf.get(fileKey);
    if (entry.dtype !== 'F32') throw new Error(`${file}: tensor "${fileKey}" is an integer tensor; expected floating-point weights`);
    if (entry.shape.join() !== fileShape.join()) {
      throw new Error(
        `${file}: tensor "${fileKey}" has shape [${entry.shape.join(', ')}] but ${configPath} (${describeSizes(checkpoint)}) needs [${fileShape.join(', ')}]; the weights do not belong to this config.json`,
      );
    }
    const values = isTransposed ? transpose(entry.data as Float32Array, fileShape[0], fileShape[1]) : (entry.data as Float32Array);
    return store.add(name, shape, () => values);
  };

  // all-linear leaves out lm_head, as PEFT does.
  const lora = options.lora ? new LoraAdapters(options.lora, ['lm_head'], store) : undefined;
  try {
    const network = buildDecoder(checkpoint, lora ? lora.factory(param) : param, lora ? { dropoutScope: lora.during } : {});
    if (lora) {
      // A and B are [r, in] and [out, r] on disk for Conv1D too (PEFT's fan_in_fan_out changes the base weight only).
      for (const name of lora.adapterWeightNames()) transposed.add(name);
      for (const { name, variable } of store.all()) variable.trainable = lora.isTrainable(name) && !isFrozen(name, options.freeze ?? []);
    }
    if (missing.length > 0) {
      throw new Error(
        `${weights.files.join(', ')}: ${missing.length} weight(s) that ${configPath} (model_type ${checkpoint.modelType}) needs are missing, e.g. ${missing.slice(0, 3).join(', ')}; the weights do not belong to this config.json`,
      );
    }
    const tiedHead = checkpoint.tieWordEmbeddings ? /^lm_head\.weight$/ : undefined;
    const unused = [...weights.tensors.keys()].filter((key) => !used.has(key) && !BUFFER.test(key) && !tiedHead?.test(key));
    const model = new HfCausalLmModel(network, store, options.seed ?? 42, {
      checkpoint,
      rawConfig,
      sourceDir: dir,
      transposedOnDisk: transposed,
      modelConfig: options.modelConfig,
      baseModelName: options.baseModelName ?? dir,
    }, lora);
    return { model, report: { initialised, unused } };
  } catch (error) {
    store.dispose();
    throw error;
  }
}

/** Model name → file key; a base-model file (GPT2Model, LlamaModel) has no `transformer.`/`model.` prefix. */
function canonicalNames(tensors: ReadonlyMap<string, unknown>, config: DecoderConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of tensors.keys()) {
    out.set(key, key);
    if (!key.startsWith(`${config.prefix}.`) && !key.startsWith('lm_head.')) out.set(`${config.prefix}.${key}`, key);
  }
  return out;
}

/** transformers' _init_weights: Linear and Embedding normal(0, initializer_range), biases 0, norms 1/0. */
function initializerFor(kind: ParamKind, config: DecoderConfig): Initializer {
  switch (kind) {
    case 'linear':
    case 'embedding':
      return normal(config.initializerRange);
    case 'norm-weight':
      return ones;
    default:
      return zeros;
  }
}

function describeSizes(config: DecoderConfig): string {
  return `vocab ${config.vocabSize}, hidden ${config.hiddenSize}, layers ${config.numLayers}, heads ${config.numHeads}/${config.numKeyValueHeads} kv, head size ${config.headDim}, intermediate ${config.intermediateSize}`;
}
