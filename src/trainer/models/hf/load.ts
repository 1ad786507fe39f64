/**
 * Builds a BERT/RoBERTa/DistilBERT model from a Hugging Face folder, matching the file's keys to the
 * builder's names as transformers does: with or without the base-model prefix, legacy
 * LayerNorm.gamma/beta, buffers and pretraining heads dropped, a missing head initialised.
 */
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../config/schema';
import { HF_CONFIG_FILE, readHfConfig, readHfWeights } from '../../io/hf-folder';
import type { SafetensorEntry } from '../../io/safetensors';
import { transpose } from '../../io/transpose';
import { normal, ones, zeros, type Initializer } from '../init';
import { WeightStore } from '../weights';
import { problemTypeOf, readEncoderConfig, type EncoderConfig, type ProblemType } from './config';
import { buildBertFamily, buildDistilBert, headPrefixes } from './encoders';
import { isFrozen } from '../weights';
import type { ParamFactory, ParamKind } from './layers';
import { LoraAdapters } from './lora';
import { HfEncoderModel } from './model';
import type { LoraSettings } from './peft-config';

export interface LoadHfOptions {
  /** Head size wanted by the data; a different size than the checkpoint's makes a new head. */
  numLabels?: number;
  problemType?: ProblemType;
  /** Label names of a new head (from the data), written to the saved config.json. */
  labelNames?: string[];
  freeze?: readonly string[];
  seed?: number;
  /** Keys that replace config.json's (as `from_pretrained(dir, hidden_dropout_prob=0)`). */
  configOverrides?: Record<string, unknown>;
  /** The trainer config's model section, recorded on the model. */
  modelConfig?: ModelConfig;
  /** LoRA adapters on the target modules; every other weight is frozen but the modules to save. */
  lora?: LoraSettings;
  /** base_model_name_or_path for a saved adapter (default: `dir`). */
  baseModelName?: string;
}

export interface HfLoadReport {
  /** Weights initialised because the checkpoint lacks them (or the head size changed). */
  initialised: string[];
  /** Checkpoint tensors the model does not use (pretraining heads), besides known buffers. */
  unused: string[];
  newHead: boolean;
}

/** Buffers transformers stores in some checkpoints but are not parameters. */
const BUFFER = /(^|\.)(position_ids|token_type_ids)$/;

export async function loadHfModel(dir: string, options: LoadHfOptions = {}): Promise<{ model: HfEncoderModel; report: HfLoadReport }> {
  const configPath = join(dir, HF_CONFIG_FILE);
  const rawConfig = { ...(await readHfConfig(dir)), ...(options.configOverrides ?? {}) };
  const checkpoint = readEncoderConfig(rawConfig, configPath);
  const weights = await readHfWeights(dir);
  const numLabels = options.numLabels ?? checkpoint.numLabels;
  const newHead = numLabels !== checkpoint.numLabels;
  const heads = headPrefixes(checkpoint);
  const isHead = (name: string) => heads.some((p) => name.startsWith(p));
  const optionalMissing = (name: string) => isHead(name) || name.startsWith(`${checkpoint.prefix}.pooler.`);

  const byName = canonicalNames(weights.tensors, checkpoint);
  const used = new Set<string>();
  const initialised: string[] = [];
  const missing: string[] = [];
  const transposed = new Set<string>();
  const store = new WeightStore(options.seed ?? 42, options.freeze ?? []);
  const param: ParamFactory = (name: string, shape: number[], kind: ParamKind): tf.Variable => {
    if (kind === 'linear') transposed.add(name);
    const fileKey = newHead && isHead(name) ? undefined : byName.get(name);
    if (fileKey === undefined) {
      if (!optionalMissing(name)) missing.push(name);
      initialised.push(name);
      return store.add(name, shape, initializerFor(kind, checkpoint, name));
    }
    used.add(fileKey);
    const entry = weights.tensors.get(fileKey) as SafetensorEntry;
    const fileShape = kind === 'linear' ? [shape[1], shape[0]] : shape;
    const file = weights.fileOf.get(fileKey);
    if (entry.dtype !== 'F32') throw new Error(`${file}: tensor "${fileKey}" is an integer tensor; expected floating-point weights`);
    if (entry.shape.join() !== fileShape.join()) {
      throw new Error(
        `${file}: tensor "${fileKey}" has shape [${entry.shape.join(', ')}] but ${configPath} (${describeSizes(checkpoint)}) needs [${fileShape.join(', ')}]; the weights do not belong to this config.json`,
      );
    }
    const values = kind === 'linear' ? transpose(entry.data as Float32Array, fileShape[0], fileShape[1]) : (entry.data as Float32Array);
    return store.add(name, shape, () => values);
  };

  // all-linear leaves out the classification head, as PEFT does for SEQ_CLS.
  const lora = options.lora ? new LoraAdapters(options.lora, ['classifier', 'score', 'classifier.out_proj'], store) : undefined;
  try {
    const build = checkpoint.family === 'distilbert' ? buildDistilBert : buildBertFamily;
    const built = build(checkpoint, numLabels, lora ? lora.factory(param) : param);
    const spec = lora ? lora.wrap(built) : built;
    if (lora) {
      for (const name of lora.adapterWeightNames()) transposed.add(name);
      for (const { name, variable } of store.all()) variable.trainable = lora.isTrainable(name) && !isFrozen(name, options.freeze ?? []);
    }
    if (missing.length > 0) {
      throw new Error(
        `${weights.files.join(', ')}: ${missing.length} weight(s) that ${configPath} (model_type ${checkpoint.modelType}) needs are missing, e.g. ${missing.slice(0, 3).join(', ')}; the weights do not belong to this config.json`,
      );
    }
    const unused = [...weights.tensors.keys()].filter((key) => !used.has(key) && !BUFFER.test(key));
    const labelNames = newHead ? options.labelNames : (checkpoint.labelNames ?? options.labelNames);
    const model = new HfEncoderModel(spec, store, options.seed ?? 42, {
      checkpoint: { ...checkpoint, numLabels, ...(labelNames ? { labelNames } : { labelNames: undefined }) },
      problemType: options.problemType ?? problemTypeOf({ problemType: checkpoint.problemType, numLabels }),
      rawConfig,
      sourceDir: dir,
      transposedOnDisk: transposed,
      modelConfig: options.modelConfig,
      baseModelName: options.baseModelName ?? dir,
    }, lora);
    return { model, report: { initialised, unused, newHead } };
  } catch (error) {
    store.dispose();
    throw error;
  }
}

/** Model name → file key, for every file key that names a model weight in some accepted spelling. */
function canonicalNames(tensors: ReadonlyMap<string, unknown>, config: EncoderConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of tensors.keys()) {
    // Old TF-converted checkpoints (bert-base-uncased) name LayerNorm weights gamma/beta.
    const name = key.replace(/((?:LayerNorm|layer_norm)\.)gamma$/, '$1weight').replace(/((?:LayerNorm|layer_norm)\.)beta$/, '$1bias');
    out.set(name, key);
    // A base-model file (BertModel.save_pretrained) has no prefix; the model's base weights do.
    if (!name.startsWith(`${config.prefix}.`)) out.set(`${config.prefix}.${name}`, key);
  }
  return out;
}

/** transformers' _init_weights: Linear and Embedding normal(0, initializer_range), biases 0, LayerNorm 1/0. */
function initializerFor(kind: ParamKind, config: EncoderConfig, name: string): Initializer {
  switch (kind) {
    case 'linear':
      return normal(config.initializerRange);
    case 'embedding': {
      const draw = normal(config.initializerRange);
      if (!name.endsWith('word_embeddings.weight')) return draw;
      return (shape, random) => {
        const values = draw(shape, random);
        values.fill(0, config.padTokenId * shape[1], (config.padTokenId + 1) * shape[1]); // the padding row stays 0
        return values;
      };
    }
    case 'norm-weight':
      return ones;
    default:
      return zeros;
  }
}

function describeSizes(config: EncoderConfig): string {
  return `vocab ${config.vocabSize}, hidden ${config.hiddenSize}, layers ${config.numLayers}, heads ${config.numHeads}, intermediate ${config.intermediateSize}, positions ${config.maxPositions}`;
}
