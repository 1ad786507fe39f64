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

  /** `model_max_length` from tokenizer_config.json, when it is a real limit (transformers writes 1e30 for none). */
  get modelMaxLength(): number | undefined {
    const value = this.tokenizerConfig.model_max_length;
    return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 1e9 ? value : undefined;
  }

  /**
   * One row as a transformers fast tokenizer gives it with `truncation=True, max_length`: the text
   * (and its pair) without special tokens, cut longest-first to leave room for the post-processor's
   * special tokens, then post-processed ([CLS] … [SEP] … [SEP], <s> … </s></s> … </s>) with token-type ids.
   */
  encodeRow(text: string, pair: string | undefined, maxLength: number): EncodedRow {
    const first = this.impl.tokenize(text, { add_special_tokens: false });
    const second = pair === undefined ? undefined : this.impl.tokenize(pair, { add_special_tokens: false });
    const specials = this.postProcess([], second && [], true).tokens.length;
    const budget = Math.max(0, maxLength - specials);
    const truncated = first.length + (second?.length ?? 0) > budget;
    if (truncated) truncateLongestFirst(first, second, budget);
    const processed = this.postProcess(first, second, true);
    const ids = processed.tokens.map((token) => this.impl.token_to_id(token) ?? this.unkId());
    const typeIds = processed.token_type_ids ?? ids.map(() => 0);
    return { ids, typeIds, truncated };
  }

  private postProcess(first: string[], second: string[] | undefined, addSpecial: boolean): { tokens: string[]; token_type_ids?: number[] } {
    const processor = this.impl.post_processor as unknown as ((a: string[], b: string[] | null, add: boolean) => { tokens: string[]; token_type_ids?: number[] }) | null;
    if (!processor) return { tokens: [...first, ...(second ?? [])], token_type_ids: [...first.map(() => 0), ...(second ?? []).map(() => 1)] };
    return processor(first, second ?? null, addSpecial);
  }

  private unkId(): number {
    const model = (this.tokenizerJson.model ?? {}) as { unk_token?: unknown };
    const id = typeof model.unk_token === 'string' ? this.impl.token_to_id(model.unk_token) : undefined;
    return id ?? 0;
  }

  /**
   * Token ids as `tokenizer(text)` in transformers gives them: the post-processor's special tokens
   * when `addSpecialTokens` (the default there), none otherwise (as `apply_chat_template` tokenizes).
   */
  encodeIds(text: string, addSpecialTokens = true): number[] {
    return this.impl.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  /** Text of token ids as transformers' `tokenizer.decode(ids, skip_special_tokens=...)`. */
  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.impl.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  tokenId(token: string): number | undefined {
    return this.impl.token_to_id(token);
  }

  /** A named special token of tokenizer_config.json (`eos_token`, `bos_token`, ...), as transformers' special_tokens_map. */
  specialToken(name: SpecialTokenName): string | undefined {
    const value = this.tokenizerConfig[name];
    if (typeof value === 'string') return value;
    return isRecord(value) && typeof value.content === 'string' ? value.content : undefined;
  }

  /** The named special tokens set in tokenizer_config.json: what a chat template sees as `bos_token`, `eos_token`, .... */
  get specialTokensMap(): Record<string, string> {
    const map: Record<string, string> = {};
    for (const name of SPECIAL_TOKEN_NAMES) {
      const token = this.specialToken(name);
      if (token !== undefined) map[name] = token;
    }
    return map;
  }

  /** The chat template (chat_template.jinja, else tokenizer_config.json's `chat_template`); a named set picks `default`. */
  get chatTemplate(): string | undefined {
    const value = this.tokenizerConfig.chat_template;
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) {
      const entry = value.find((t) => isRecord(t) && t.name === 'default') as Record<string, unknown> | undefined;
      return typeof entry?.template === 'string' ? entry.template : undefined;
    }
    return undefined;
  }

  /** The tokenizer files of `dir` are the source of truth; this writes the ones we read. */
  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, TOKENIZER_FILE), JSON.stringify(this.tokenizerJson));
    await writeFile(join(dir, TOKENIZER_CONFIG_FILE), JSON.stringify(this.tokenizerConfig, null, 1) + '\n');
  }
}

/** transformers' SPECIAL_TOKENS_ATTRIBUTES. */
export const SPECIAL_TOKEN_NAMES = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

export interface EncodedRow {
  ids: number[];
  typeIds: number[];
  /** Whether tokens were cut to fit maxLength. */
  truncated: boolean;
}

/** tokenizers' LongestFirst: remove one token at a time from the longer sequence (the pair on ties). */
function truncateLongestFirst(first: string[], second: string[] | undefined, budget: number): void {
  if (!second) {
    first.length = Math.min(first.length, budget);
    return;
  }
  while (first.length + second.length > budget) {
    if (first.length > second.length) first.pop();
    else second.pop();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
