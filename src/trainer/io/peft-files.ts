/**
 * A PEFT LoRA adapter folder: adapter_model.safetensors with PEFT's key names
 * (`base_model.model.<module>.lora_A.weight` [r, in], `...lora_B.weight` [out, r], modules to save
 * under their own names) and adapter_config.json, as PeftModel.save_pretrained writes them.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { HfCausalLmModel } from '../models/hf/causal-lm';
import type { HfEncoderModel } from '../models/hf/model';
import { adapterConfigJson, peftFromAdapterConfig } from '../models/hf/peft-config';
import type { PeftConfig } from '../../config/schema';
import { readSafetensors, writeSafetensors, type SafetensorEntry } from './safetensors';
import { transpose } from './transpose';

import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './peft-names';

export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, isAdapterFolder } from './peft-names';
/** PEFT's prefix of every saved key: PeftModel.base_model (LoraModel).model. */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** Tokenizer files copied beside the adapter, as HF's Trainer saves its processing class with it. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'chat_template.jinja', 'chat_template.json'];

/** A Hugging Face model that may carry LoRA adapters: an encoder classifier or a causal LM. */
export type AdapterModel = HfEncoderModel | HfCausalLmModel;

/** Writes the adapter (what trains) and adapter_config.json into `dir`, plus the base's tokenizer files. */
export async function saveAdapter(model: AdapterModel, dir: string): Promise<void> {
  const lora = model.lora;
  if (!lora) throw new Error(`saveAdapter: the model has no LoRA adapters`);
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, SafetensorEntry> = {};
  for (const { name, variable } of model.weights()) {
    if (!lora.isSaved(name)) continue;
    const data = (await variable.data()) as Float32Array;
    const key = PEFT_KEY_PREFIX + name;
    if (model.transposedOnDisk.has(name)) {
      const [rows, cols] = variable.shape;
      tensors[key] = { dtype: 'F32', shape: [cols, rows], data: transpose(data, rows, cols) };
    } else {
      tensors[key] = { dtype: 'F32', shape: [...variable.shape], data };
    }
  }
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
  const config = adapterConfigJson(lora.settings, lora.targets, model.hf.baseModelName ?? model.hf.sourceDir);
  await writeFile(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  const source = model.hf.sourceDir;
  if (resolve(source) === resolve(dir)) return;
  for (const name of TOKENIZER_FILES) {
    if (existsSync(join(source, name))) await copyFile(join(source, name), join(dir, name));
  }
}

/** adapter_config.json read as a `peft:` section and the base it names; errors name the file. */
export async function readAdapterConfig(dir: string): Promise<{ peft: Partial<PeftConfig>; baseModel: string; path: string }> {
  const path = join(dir, ADAPTER_CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read the adapter config (${(error as Error).message}); a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}:1:1: expected a JSON object`);
  return { ...peftFromAdapterConfig(json as Record<string, unknown>, path), path };
}

/**
 * Assigns the adapter's weights (and its modules to save) from `dir/adapter_model.safetensors`.
 * Every adapter weight of the model must be in the file, with PEFT's shapes; nothing is assigned
 * unless all of them are.
 */
export async function loadAdapterInto(model: AdapterModel, dir: string): Promise<void> {
  const lora = model.lora;
  if (!lora) throw new Error(`loadAdapterInto: the model has no LoRA adapters`);
  const path = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(path)) throw new Error(`${path}: not found; a PEFT adapter folder holds ${ADAPTER_WEIGHTS_FILE} beside ${ADAPTER_CONFIG_FILE}`);
  const { tensors } = await readSafetensors(path);
  const keys = new Set(Object.keys(tensors));
  const updates: Array<{ variable: tf.Variable; data: Float32Array; shape: number[] }> = [];
  for (const { name, variable } of model.weights()) {
    if (!lora.isSaved(name)) continue;
    // PEFT < 0.6 and some tools name the adapter in the key (`lora_A.default.weight`).
    const key = [PEFT_KEY_PREFIX + name, PEFT_KEY_PREFIX + name.replace(/\.(lora_[AB])\.weight$/, '.$1.default.weight')].find((k) => keys.has(k));
    if (key === undefined) {
      throw new Error(`${path}: no tensor "${PEFT_KEY_PREFIX}${name}"; the adapter does not match ${ADAPTER_CONFIG_FILE}'s target_modules and modules_to_save on this base model`);
    }
    keys.delete(key);
    const entry = tensors[key];
    const transposed = model.transposedOnDisk.has(name);
    const expected = transposed ? [variable.shape[1], variable.shape[0]] : [...variable.shape];
    if (entry.shape.join() !== expected.join()) {
      throw new Error(`${path}: tensor "${key}" has shape [${entry.shape.join(', ')}] but the model needs [${expected.join(', ')}] (r ${lora.settings.r}); the adapter was trained on another base or another r`);
    }
    const data = transposed ? transpose(entry.data as Float32Array, entry.shape[0], entry.shape[1]) : (entry.data as Float32Array);
    updates.push({ variable, data, shape: [...variable.shape] });
  }
  if (keys.size > 0) {
    const extra = [...keys].slice(0, 3).join(', ');
    throw new Error(`${path}: ${keys.size} tensor(s) match no weight of this model, e.g. ${extra}; the adapter was trained on another base model`);
  }
  for (const { variable, data, shape } of updates) tf.tidy(() => variable.assign(tf.tensor(data, shape, 'float32')));
}

/**
 * The base folder when base_model_name_or_path is a relative path that exists beside the adapter
 * (portable adapter folders); otherwise undefined, and the name is resolved as
 * model.from_pretrained is (an existing path, else a Hub id).
 */
export function baseBesideAdapter(adapterDir: string, baseModel: string): string | undefined {
  if (isAbsolute(baseModel)) return undefined;
  const candidate = resolve(adapterDir, baseModel);
  return existsSync(join(candidate, 'config.json')) ? candidate : undefined;
}

/** Size of the head a SEQ_CLS adapter saves (its modules_to_save classifier), if it has one. */
export async function adapterHeadSize(dir: string): Promise<number | undefined> {
  const { tensors } = await readSafetensors(join(dir, ADAPTER_WEIGHTS_FILE));
  const head = Object.entries(tensors).find(([key]) => /^base_model\.model\.(classifier(\.out_proj)?|score)\.weight$/.test(key));
  return head?.[1].shape[0];
}
