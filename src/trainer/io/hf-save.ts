import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sequenceClassificationClass } from '../models/hf/config';
import type { HfEncoderModel } from '../models/hf/model';
import { HF_CONFIG_FILE } from './hf-folder';

/** Tokenizer files a Hugging Face folder may hold; those present are copied with the model. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json', 'vocab.txt', 'vocab.json', 'merges.txt'];

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
