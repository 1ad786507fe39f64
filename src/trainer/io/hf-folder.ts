/**
 * A Hugging Face model folder on disk: config.json, and the weights as model.safetensors or as shards
 * listed in model.safetensors.index.json. Pickled weights (pytorch_model.bin) are refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSafetensors, type SafetensorEntry } from './safetensors';

export const HF_CONFIG_FILE = 'config.json';
export const HF_WEIGHTS_FILE = 'model.safetensors';
export const HF_INDEX_FILE = 'model.safetensors.index.json';
export const PICKLE_WEIGHTS_FILE = 'pytorch_model.bin';

export interface HfWeights {
  tensors: Map<string, SafetensorEntry>;
  /** The file each tensor came from, for error messages. */
  fileOf: Map<string, string>;
  files: string[];
}

/** Whether `dir/config.json` is a transformers config (it has `model_type`) rather than one of this Trainer's own. */
export function isHfModelFolder(dir: string): boolean {
  const path = join(dir, HF_CONFIG_FILE);
  if (!existsSync(path)) return false;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return typeof json.model_type === 'string' && json.model_type !== 'finetune-studio' && !('finetune_studio' in json);
  } catch {
    return false;
  }
}

/** The parsed config.json; errors name the file and what was expected. */
export async function readHfConfig(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, HF_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path}: not found; a Hugging Face model folder holds config.json (model_type, sizes), the weights and tokenizer.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}:1:1: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}:1:1: expected a JSON object`);
  return json as Record<string, unknown>;
}

/** Why a folder with only pickled weights is refused, and how to convert it. */
export function pickleRefusal(dir: string): string {
  return (
    `${join(dir, PICKLE_WEIGHTS_FILE)}: refused: the weights are a Python pickle, and loading a pickle can run arbitrary code. ` +
    `Convert them to safetensors once, where you trust the file: ` +
    `python -c "from transformers import AutoModel; AutoModel.from_pretrained('${dir}').save_pretrained('${dir}', safe_serialization=True)" ` +
    `(or download the model.safetensors the Hub often has beside it).`
  );
}

/** Every tensor of the folder's weights, from model.safetensors or from the shards its index names. */
export async function readHfWeights(dir: string): Promise<HfWeights> {
  const single = join(dir, HF_WEIGHTS_FILE);
  const index = join(dir, HF_INDEX_FILE);
  let files: string[];
  if (existsSync(single)) files = [single];
  else if (existsSync(index)) files = await shardFiles(dir, index);
  else if (existsSync(join(dir, PICKLE_WEIGHTS_FILE))) throw new Error(pickleRefusal(dir));
  else throw new Error(`${single}: not found (nor ${HF_INDEX_FILE} with shards); a Hugging Face model folder needs its weights as safetensors`);

  const tensors = new Map<string, SafetensorEntry>();
  const fileOf = new Map<string, string>();
  for (const file of files) {
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`${file}: cannot read (${error.code ?? error.message}); ${files.length > 1 ? `${HF_INDEX_FILE} lists it as a shard` : 'expected the weights'}`);
    });
    const { tensors: found } = decodeSafetensors(bytes, file);
    for (const [name, entry] of Object.entries(found)) {
      if (tensors.has(name)) throw new Error(`${file}: tensor "${name}" is also in ${fileOf.get(name)}; shards must not overlap`);
      tensors.set(name, entry);
      fileOf.set(name, file);
    }
  }
  return { tensors, fileOf, files };
}

async function shardFiles(dir: string, index: string): Promise<string[]> {
  let json: { weight_map?: unknown };
  try {
    json = JSON.parse(await readFile(index, 'utf8'));
  } catch (error) {
    throw new Error(`${index}:1:1: cannot read the shard index: ${(error as Error).message}`, { cause: error });
  }
  const map = json.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error(`${index}: no "weight_map" object (tensor name → shard file)`);
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  for (const name of names) {
    if (typeof name !== 'string' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new Error(`${index}: weight_map names ${JSON.stringify(name)}, not a file name in this folder`);
    }
    if (!existsSync(join(dir, name))) throw new Error(`${join(dir, name)}: not found; ${index} lists it as a shard`);
  }
  return (names as string[]).sort().map((name) => join(dir, name));
}
