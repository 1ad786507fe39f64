/** A causal LM folder, ready to generate: the model, its tokenizer and its generation defaults. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadHfCausalLm } from '../models/hf/load-decoder';
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

export async function loadGenerator(dir: string): Promise<LoadedGenerator> {
  const { model } = await loadHfCausalLm(dir);
  const tokenizer = await loadTokenizer(dir);
  if (!(tokenizer instanceof HfTokenizer)) throw new Error(`${dir}: a language model needs its Hugging Face tokenizer.json next to it`);
  const generationFile = await readGenerationFile(dir);
  const rawConfig = model.hf.rawConfig as HfGenerationFile;
  return {
    generator: new TextGenerator(model, tokenizer),
    modelType: model.hf.checkpoint.modelType,
    generationFile,
    settings: (overrides, defaultSeed = 0) => resolveGeneration(overrides, generationFile, rawConfig, defaultSeed),
  };
}
