/** A causal LM folder, ready to generate: the model, its tokenizer and its generation defaults. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HF_CONFIG_FILE, readHfConfig } from '../io/hf-folder';
import { baseBesideAdapter, isAdapterFolder, loadAdapterInto, readAdapterConfig } from '../io/peft-files';
import type { HfCausalLmModel } from '../models/hf/causal-lm';
import { readDecoderConfig } from '../models/hf/decoder-config';
import { loadHfCausalLm } from '../models/hf/load-decoder';
import { resolveLora } from '../models/hf/peft-config';
import { HfTokenizer, loadTokenizer } from '../tokenizer';
import { TextGenerator } from './generator';
import { resolveGeneration, type GenerationOverrides, type HfGenerationFile, type ResolvedGeneration } from './settings';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

export interface LoadedGenerator {
  generator: TextGenerator;
  modelType: string;
  generationFile?: HfGenerationFile;
  /** The settings for these overrides: the overrides, then generation_config.json, then transformers' defaults. */
  settings(overrides: GenerationOverrides | undefined, defaultSeed?: number): ResolvedGeneration;
}

export async function readGenerationFile(dir: string): Promise<HfGenerationFile | undefined> {
  const file = join(dir, GENERATION_CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as HfGenerationFile;
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The causal LM in `dir`, or base + adapter when `dir` is a PEFT adapter folder whose base is a folder
 * (beside the adapter, or an existing path); `baseDir` holds its config and generation_config.json.
 */
async function loadCausalLmOrAdapter(dir: string): Promise<{ model: HfCausalLmModel; baseDir: string }> {
  if (!isAdapterFolder(dir)) return { model: (await loadHfCausalLm(dir)).model, baseDir: dir };
  const { peft, baseModel, path } = await readAdapterConfig(dir);
  const baseDir = baseBesideAdapter(dir, baseModel) ?? (existsSync(join(baseModel, HF_CONFIG_FILE)) ? resolve(baseModel) : undefined);
  if (!baseDir) {
    throw new Error(`${path}: the base model "${baseModel}" is not a folder here; merge the adapter (finetune-studio merge ${dir} --out <folder>, which finds Hub ids in the cache) and generate from the merged folder`);
  }
  const { modelType } = readDecoderConfig(await readHfConfig(baseDir), join(baseDir, HF_CONFIG_FILE));
  const { model } = await loadHfCausalLm(baseDir, { lora: resolveLora(peft, modelType, 'CAUSAL_LM', path), baseModelName: baseModel });
  try {
    await loadAdapterInto(model, dir);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, baseDir };
}

export async function loadGenerator(dir: string): Promise<LoadedGenerator> {
  const { model, baseDir } = await loadCausalLmOrAdapter(dir);
  const tokenizer = await loadTokenizer(existsSync(join(dir, 'tokenizer.json')) ? dir : baseDir);
  if (!(tokenizer instanceof HfTokenizer)) throw new Error(`${dir}: a language model needs its Hugging Face tokenizer.json next to it`);
  const generationFile = await readGenerationFile(baseDir);
  const rawConfig = model.hf.rawConfig as HfGenerationFile;
  return {
    generator: new TextGenerator(model, tokenizer),
    modelType: model.hf.checkpoint.modelType,
    generationFile,
    settings: (overrides, defaultSeed = 0) => resolveGeneration(overrides, generationFile, rawConfig, defaultSeed),
  };
}
