import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sequenceClassificationClass } from '../models/hf/config';
import type { HfCausalLmModel } from '../models/hf/causal-lm';
import { causalLmClass } from '../models/hf/decoder-config';
import type { HfEncoderModel } from '../models/hf/model';
import { DEFAULT_MAX_SHARD_SIZE, parseShardSize } from './shards';
import { HF_CONFIG_FILE } from './hf-folder';

/** Tokenizer files a Hugging Face folder may hold; those present are copied with the model. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'chat_template.jinja', 'chat_template.json'];
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/**
 * Writes `dir` as transformers' save_pretrained would for this model: model.safetensors with
 * transformers' key names and torch layouts, config.json with the head's keys, the tokenizer files.
 * `writeWeights` is the one weights writer (model-files' saveWeights), passed in to avoid an import cycle.
 */
export async function saveHfModel(model: HfEncoderModel, dir: string, writeWeights: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeWeights(dir);
  await writeFile(join(dir, HF_CONFIG_FILE), JSON.stringify(hfConfigJson(model), null, 2) + '\n');
  const source = model.hf.sourceDir;
  if (resolve(source) === resolve(dir)) return;
  for (const name of TOKENIZER_FILES) {
    if (existsSync(join(source, name))) await copyFile(join(source, name), join(dir, name));
  }
}

/** The source config.json with architectures, labels and problem_type of the trained head. */
export function hfConfigJson(model: HfEncoderModel): Record<string, unknown> {
  const { checkpoint, problemType, rawConfig } = model.hf;
  const names = checkpoint.labelNames ?? Array.from({ length: model.numLabels }, (_, i) => `LABEL_${i}`);
  const { torch_dtype: _legacyDtype, num_labels: _numLabels, ...rest } = rawConfig;
  return {
    ...rest,
    architectures: [sequenceClassificationClass(checkpoint)],
    id2label: Object.fromEntries(names.map((name, id) => [String(id), name])),
    label2id: Object.fromEntries(names.map((name, id) => [name, id])),
    problem_type: problemType,
    dtype: 'float32',
  };
}

/**
 * Writes `dir` as transformers' save_pretrained writes a causal LM: the weights (sharded past
 * model.max_shard_size, default transformers' 50GB), config.json with `architectures`
 * (GPT2LMHeadModel, LlamaForCausalLM, ...), generation_config.json (the checkpoint's, else made from
 * config.json's token ids as transformers does) and the tokenizer files.
 */
export async function saveHfCausalLm(model: HfCausalLmModel, dir: string, writeWeights: (dir: string, maxShardBytes: number) => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeWeights(dir, parseShardSize(model.hf.modelConfig?.max_shard_size ?? DEFAULT_MAX_SHARD_SIZE));
  const { torch_dtype: _legacyDtype, ...rest } = model.hf.rawConfig;
  const config = { ...rest, architectures: [causalLmClass(model.hf.checkpoint)], dtype: 'float32' };
  await writeFile(join(dir, HF_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  const source = model.hf.sourceDir;
  if (resolve(source) === resolve(dir)) return;
  if (existsSync(join(source, GENERATION_CONFIG_FILE))) await copyFile(join(source, GENERATION_CONFIG_FILE), join(dir, GENERATION_CONFIG_FILE));
  else await writeFile(join(dir, GENERATION_CONFIG_FILE), JSON.stringify(generationConfigFrom(model.hf.rawConfig), null, 2) + '\n');
  for (const name of TOKENIZER_FILES) {
    if (existsSync(join(source, name))) await copyFile(join(source, name), join(dir, name));
  }
}

/** GenerationConfig.from_model_config: the token ids config.json names. */
function generationConfigFrom(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (config[key] !== undefined && config[key] !== null) out[key] = config[key];
  return out;
}
