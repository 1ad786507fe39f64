import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { splitWords } from './split';
import { TOKENIZER_FILE, type Encoded, type Tokenizer } from './types';

export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';
export const PAD_ID = 0;
export const UNK_ID = 1;

export interface WordTokenizerOptions {
  /** Total vocabulary including [PAD] and [UNK]. */
  vocabSize: number;
  lowercase: boolean;
}

/** A word-level tokenizer built from training texts; saved as an HF WordLevel `tokenizer.json`. */
export class WordTokenizer implements Tokenizer {
  private readonly idOf: Map<string, number>;

  constructor(
    /** Tokens in id order; index 0 is [PAD], 1 is [UNK]. */
    readonly vocab: readonly string[],
    readonly lowercase: boolean,
  ) {
    if (vocab[PAD_ID] !== PAD_TOKEN || vocab[UNK_ID] !== UNK_TOKEN) {
      throw new Error(`WordTokenizer: vocab must start with ${PAD_TOKEN}, ${UNK_TOKEN}`);
    }
    this.idOf = new Map(vocab.map((token, id) => [token, id]));
  }

  /** Keeps the most frequent words; equal counts are ordered alphabetically so builds are deterministic. */
  static build(texts: Iterable<string>, options: WordTokenizerOptions): WordTokenizer {
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const word of splitWords(text, options.lowercase)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    counts.delete(PAD_TOKEN);
    counts.delete(UNK_TOKEN);
    const ranked = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, options.vocabSize - 2))
      .map(([word]) => word);
    return new WordTokenizer([PAD_TOKEN, UNK_TOKEN, ...ranked], options.lowercase);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  tokenize(text: string): string[] {
    return splitWords(text, this.lowercase);
  }

  encode(text: string, maxLength: number): Encoded {
    const ids = new Int32Array(maxLength); // zero-filled: PAD_ID
    const mask = new Float32Array(maxLength);
    const words = splitWords(text, this.lowercase);
    const n = Math.min(words.length, maxLength);
    for (let i = 0; i < n; i++) {
      ids[i] = this.idOf.get(words[i]) ?? UNK_ID;
      mask[i] = 1;
    }
    return { ids, mask };
  }

  /** The Hugging Face `tokenizer.json` object (WordLevel model, Whitespace pre-tokenizer). */
  toJSON(): Record<string, unknown> {
    const special = (id: number, content: string) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [special(PAD_ID, PAD_TOKEN), special(UNK_ID, UNK_TOKEN)],
      normalizer: this.lowercase ? { type: 'Lowercase' } : null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab: Object.fromEntries(this.vocab.map((t, id) => [t, id])), unk_token: UNK_TOKEN },
    };
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, TOKENIZER_FILE), JSON.stringify(this.toJSON(), null, 1) + '\n');
  }

  /** Rebuilds from a `tokenizer.json` written by `save`; returns undefined for any other kind of tokenizer. */
  static fromJSON(json: unknown): WordTokenizer | undefined {
    if (!isRecord(json) || !isRecord(json.model) || json.model.type !== 'WordLevel') return undefined;
    if (!isRecord(json.pre_tokenizer) || json.pre_tokenizer.type !== 'Whitespace') return undefined;
    const vocabObject = json.model.vocab;
    if (!isRecord(vocabObject)) return undefined;
    const vocab: string[] = [];
    for (const [token, id] of Object.entries(vocabObject)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return undefined;
      vocab[id] = token;
    }
    for (let id = 0; id < vocab.length; id++) if (vocab[id] === undefined) return undefined; // ids must be dense
    if (vocab[PAD_ID] !== PAD_TOKEN || vocab[UNK_ID] !== UNK_TOKEN) return undefined;
    const lowercase = isRecord(json.normalizer) && json.normalizer.type === 'Lowercase';
    return new WordTokenizer(vocab, lowercase);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
