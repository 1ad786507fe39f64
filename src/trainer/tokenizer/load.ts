import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HfTokenizer, TOKENIZER_CONFIG_FILE } from './hf-tokenizer';

export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';
import { TOKENIZER_FILE, type Tokenizer } from './types';
import { WordTokenizer } from './word-tokenizer';

/**
 * Reads `dir/tokenizer.json`: our own WordLevel tokenizer directly, anything else through
 * `@huggingface/tokenizers` (with `tokenizer_config.json` when present).
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const path = join(dir, TOKENIZER_FILE);
  const json = await readJson(path, `a tokenizer folder must hold ${TOKENIZER_FILE}`);
  const own = WordTokenizer.fromJSON(json);
  if (own) return own;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${path}:1:1: expected a JSON object (a Hugging Face tokenizer.json)`);
  }
  let config: Record<string, unknown> = {};
  const configPath = join(dir, TOKENIZER_CONFIG_FILE);
  try {
    const parsed = await readJson(configPath, '');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // transformers 5 saves the chat template beside tokenizer_config.json, and reads that file first.
  try {
    config = { ...config, chat_template: await readFile(join(dir, CHAT_TEMPLATE_FILE), 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    return new HfTokenizer(json as Record<string, unknown>, config);
  } catch (error) {
    throw new Error(`${path}: @huggingface/tokenizers cannot load this tokenizer: ${(error as Error).message}`, { cause: error });
  }
}

async function readJson(path: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && hint) {
      const wrapped = new Error(`${path}: not found; ${hint}`, { cause: error });
      Object.assign(wrapped, { code });
      throw wrapped;
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}:1:1: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
}
