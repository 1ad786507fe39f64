import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import { TOKENIZER_FILE, type Encoded, type Tokenizer } from './types';

export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

const PAD_CANDIDATES = ['[PAD]', '<pad>', '<|pad|>', '<|endoftext|>'];

/** A foreign Hugging Face tokenizer (BPE, WordPiece, Unigram) run by `@huggingface/tokenizers`. */
export class HfTokenizer implements Tokenizer {
  private readonly impl: HfTokenizerImpl;
  readonly vocabSize: number;
  readonly padId: number;

  constructor(
    private readonly tokenizerJson: Record<string, unknown>,
    private readonly tokenizerConfig: Record<string, unknown> = {},
  ) {
    this.impl = new HfTokenizerImpl(tokenizerJson, tokenizerConfig);
    let maxId = -1;
    for (const id of this.impl.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.padId = this.findPadId();
  }

  private findPadId(): number {
    const configured = this.tokenizerConfig.pad_token;
    const name = typeof configured === 'string' ? configured : isRecord(configured) && typeof configured.content === 'string' ? configured.content : undefined;
    for (const candidate of name === undefined ? PAD_CANDIDATES : [name, ...PAD_CANDIDATES]) {
      const id = this.impl.token_to_id(candidate);
      if (id !== undefined) return id;
    }
    return 0;
  }

  encode(text: string, maxLength: number): Encoded {
    const encoded = this.impl.encode(text);
    const ids = new Int32Array(maxLength).fill(this.padId);
    const mask = new Float32Array(maxLength);
    const n = Math.min(encoded.ids.length, maxLength);
    for (let i = 0; i < n; i++) {
      ids[i] = encoded.ids[i];
      mask[i] = 1;
    }
    return { ids, mask };
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, TOKENIZER_FILE), JSON.stringify(this.tokenizerJson));
    await writeFile(join(dir, TOKENIZER_CONFIG_FILE), JSON.stringify(this.tokenizerConfig, null, 1) + '\n');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
