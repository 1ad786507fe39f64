import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../config/schema';
import type { FeatureStats } from '../data/features';
import { createModel, FunctionalModel, type ModelDims } from '../models';
import type { TrainableModel } from '../types';
import { readSafetensors, writeSafetensors, type SafetensorEntry } from './safetensors';
import { transpose } from './transpose';
import { saveHfCausalLm, saveHfModel } from './hf-save';
import { HF_INDEX_FILE, readHfWeights } from './hf-folder';
import { planShards, shardFileName } from './shards';
import { HfEncoderModel } from '../models/hf/model';
import { loadAdapterInto, saveAdapter } from './peft-files';
import { HfCausalLmModel } from '../models/hf/causal-lm';

export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';
/** Weights of the classification head; re-initialised when the number of labels changes. */
export const HEAD_PREFIX = 'classifier.';
const FORMAT_VERSION = 1;
/** `architecture` of a wrapped tfjs LayersModel (see layers-model.ts). */
const LAYERS_MODEL_ARCHITECTURE = 'layers-model';

/** What is needed besides the weights to rebuild and use a saved model. */
export interface ModelInfo {
  config: ModelConfig;
  dims: ModelDims;
  labelNames?: string[];
  featureStats?: FeatureStats;
}

/** Our part of config.json, beside the HF-style keys. */
interface StudioSection {
  format_version: number;
  model: ModelConfig;
  dims: ModelDims;
  label_names?: string[];
  feature_stats?: FeatureStats;
}

/** A Hugging Face model with LoRA adapters not merged: it saves and reloads as a PEFT adapter. */
function isPeftModel(model: TrainableModel): model is HfEncoderModel | HfCausalLmModel {
  return (model instanceof HfEncoderModel || model instanceof HfCausalLmModel) && model.isPeft;
}

/**
 * Writes the model's weights alone as `dir/model.safetensors` (dir must exist), or as shards with
 * model.safetensors.index.json when they pass `maxShardBytes` (transformers' max_shard_size).
 */
export async function saveWeights(model: TrainableModel, dir: string, options: { maxShardBytes?: number } = {}): Promise<void> {
  if (isPeftModel(model)) return saveAdapter(model, dir);
  const tensors: Record<string, SafetensorEntry> = {};
  for (const { name, variable } of model.weights()) {
    const data = (await variable.data()) as Float32Array;
    if (model.transposedOnDisk?.has(name)) {
      const [rows, cols] = variable.shape;
      tensors[name] = { dtype: 'F32', shape: [cols, rows], data: transpose(data, rows, cols) };
    } else {
      tensors[name] = { dtype: 'F32', shape: [...variable.shape], data };
    }
  }
  const metadata = { format: 'pt', producer: 'finetune-studio' };
  const shards = planShards(Object.entries(tensors).map(([name, entry]) => [name, entry.data.byteLength]), options.maxShardBytes ?? Infinity);
  // A stale single file or index from an earlier save would shadow the new layout.
  await rm(join(dir, shards.length > 1 ? WEIGHTS_FILE : HF_INDEX_FILE), { force: true });
  if (shards.length <= 1) {
    await writeSafetensors(join(dir, WEIGHTS_FILE), tensors, metadata);
    return;
  }
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (const [i, names] of shards.entries()) {
    const file = shardFileName(i, shards.length);
    const part: Record<string, SafetensorEntry> = {};
    for (const name of names) {
      part[name] = tensors[name];
      weightMap[name] = file;
      totalSize += tensors[name].data.byteLength;
    }
    await writeSafetensors(join(dir, file), part, metadata);
  }
  const parameters = Object.values(tensors).reduce((n, entry) => n + entry.data.length, 0);
  await writeFile(join(dir, HF_INDEX_FILE), JSON.stringify({ metadata: { total_parameters: parameters, total_size: totalSize }, weight_map: weightMap }, null, 2) + '\n');
}

/** Writes `model.safetensors` and an HF-like `config.json` into `dir` (created if needed). */
export async function saveModel(model: TrainableModel, dir: string, info: ModelInfo): Promise<void> {
  // A LoRA run saves (and checkpoints) its adapter only, in PEFT's format.
  if (isPeftModel(model)) return saveAdapter(model, dir);
  if (model instanceof HfEncoderModel) return saveHfModel(model, dir, (target) => saveWeights(model, target));
  if (model instanceof HfCausalLmModel) return saveHfCausalLm(model, dir, (target, maxShardBytes) => saveWeights(model, target, { maxShardBytes }));
  await mkdir(dir, { recursive: true });
  await saveWeights(model, dir);
  await writeFile(join(dir, CONFIG_FILE), JSON.stringify(configJson(model, info), null, 2) + '\n');
}

function configJson(model: TrainableModel, info: ModelInfo): Record<string, unknown> {
  const numLabels = model.numLabels;
  // A built-in model knows what it was built from (e.g. a from_pretrained checkpoint's architecture); that wins.
  const built = model instanceof FunctionalModel ? { config: model.config, dims: model.dims } : info;
  const names = info.labelNames ?? Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
  const studio: StudioSection = {
    format_version: FORMAT_VERSION,
    model: { ...built.config, num_labels: numLabels },
    dims: { ...built.dims, numLabels },
    ...(info.labelNames ? { label_names: info.labelNames } : {}),
    ...(info.featureStats ? { feature_stats: info.featureStats } : {}),
  };
  return {
    architectures: [model.architecture],
    model_type: 'finetune-studio',
    num_labels: numLabels,
    problem_type: numLabels === 1 ? 'regression' : 'single_label_classification',
    id2label: Object.fromEntries(names.map((name, id) => [String(id), name])),
    label2id: Object.fromEntries(names.map((name, id) => [name, id])),
    finetune_studio: studio,
  };
}

/** Reads the model info from `dir/config.json` written by saveModel. */
export async function readModelInfo(dir: string): Promise<ModelInfo> {
  const path = join(dir, CONFIG_FILE);
  let json: { finetune_studio?: StudioSection; architectures?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read the model config (${(error as Error).message}); expected a checkpoint folder written by this Trainer`, { cause: error });
  }
  const studio = json.finetune_studio;
  if (Array.isArray(json.architectures) && json.architectures[0] === LAYERS_MODEL_ARCHITECTURE) {
    throw new Error(
      `${path}: this checkpoint holds the weights of a fine-tuned tfjs LayersModel, which cannot be rebuilt from config.json; ` +
        `load the original model.json folder with loadLayersModel (the same numLabels) and then loadWeightsInto(model, "${dir}")`,
    );
  }
  if (!studio || typeof studio !== 'object' || !studio.model || !studio.dims) {
    throw new Error(`${path}: no "finetune_studio" section; this config.json was not written by this Trainer (a tfjs LayersModel folder has model.json instead)`);
  }
  return {
    config: studio.model,
    dims: studio.dims,
    ...(studio.label_names ? { labelNames: studio.label_names } : {}),
    ...(studio.feature_stats ? { featureStats: studio.feature_stats } : {}),
  };
}

export interface LoadOverrides {
  /** A different head size: the classifier is re-initialised (fine-tuning a new head). */
  numLabels?: number;
  /** Freeze patterns to use instead of the saved ones. */
  freeze?: string[];
  /** Seed for any re-initialised weights and unseeded dropout. */
  seed?: number;
}

/** Rebuilds a model saved by saveModel; with a different `numLabels` the head is new and `labelNames` are dropped. */
export async function loadModel(dir: string, overrides: LoadOverrides = {}): Promise<{ model: TrainableModel; info: ModelInfo }> {
  const saved = await readModelInfo(dir);
  const numLabels = overrides.numLabels ?? saved.dims.numLabels;
  const newHead = numLabels !== saved.dims.numLabels;
  const config: ModelConfig = { ...saved.config, num_labels: numLabels, freeze: overrides.freeze ?? saved.config.freeze };
  const dims: ModelDims = { ...saved.dims, numLabels };
  const model = createModel(config, dims, overrides.seed ?? 0);
  try {
    await loadWeightsInto(model, dir, { skip: newHead ? (name) => name.startsWith(HEAD_PREFIX) : undefined });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const info: ModelInfo = {
    config,
    dims,
    ...(saved.labelNames && !newHead ? { labelNames: saved.labelNames } : {}),
    ...(saved.featureStats ? { featureStats: saved.featureStats } : {}),
  };
  return { model, info };
}

/**
 * Assigns every weight of `model` from `dir/model.safetensors` by name (e.g. to reload the best
 * checkpoint into the running model). Weights for which `skip` is true keep their values.
 */
export async function loadWeightsInto(model: TrainableModel, dir: string, options: { skip?: (name: string) => boolean } = {}): Promise<void> {
  if (isPeftModel(model)) return loadAdapterInto(model, dir);
  // A sharded save (model.safetensors.index.json) reads as one map of tensors.
  const path = existsSync(join(dir, WEIGHTS_FILE)) || !existsSync(join(dir, HF_INDEX_FILE)) ? join(dir, WEIGHTS_FILE) : join(dir, HF_INDEX_FILE);
  const tensors = path.endsWith(HF_INDEX_FILE) ? Object.fromEntries((await readHfWeights(dir)).tensors) : (await readSafetensors(path)).tensors;
  const updates: Array<{ variable: tf.Variable; entry: SafetensorEntry }> = [];
  for (const { name, variable } of model.weights()) {
    if (options.skip?.(name)) continue;
    const stored = tensors[name];
    if (!stored) throw new Error(`${path}: no weight "${name}"; the checkpoint does not match this model's architecture`);
    const entry: SafetensorEntry = model.transposedOnDisk?.has(name) && stored.shape.length === 2
      ? { ...stored, shape: [stored.shape[1], stored.shape[0]], data: transpose(stored.data as Float32Array, stored.shape[0], stored.shape[1]) }
      : stored;
    if (entry.shape.join() !== variable.shape.join()) {
      throw new Error(`${path}: weight "${name}" has shape [${entry.shape}] but the model expects [${variable.shape}]; the model config differs from the checkpoint's`);
    }
    updates.push({ variable, entry });
  }
  // Validate everything before assigning anything, so a mismatch leaves the model untouched.
  for (const { variable, entry } of updates) {
    tf.tidy(() => variable.assign(tf.tensor(entry.data, entry.shape, variable.dtype)));
  }
}
