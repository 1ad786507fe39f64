/** What the data pipeline needs from any tokenizer: fixed-length ids with an attention mask. */
export interface Encoded {
  /** Token ids, padded with the pad id or truncated to `maxLength`. */
  ids: Int32Array;
  /** 1 for real tokens, 0 for padding. */
  mask: Float32Array;
}

export interface Tokenizer {
  /** One more than the largest token id: the embedding table's row count. */
  readonly vocabSize: number;
  encode(text: string, maxLength: number): Encoded;
  /** Writes `tokenizer.json` (Hugging Face format) into `dir`, creating it if needed. */
  save(dir: string): Promise<void>;
}

export const TOKENIZER_FILE = 'tokenizer.json';
