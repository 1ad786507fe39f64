export { TOKENIZER_FILE, type Encoded, type Tokenizer } from './types';
export { WordTokenizer, PAD_ID, UNK_ID, PAD_TOKEN, UNK_TOKEN, type WordTokenizerOptions } from './word-tokenizer';
export { HfTokenizer, type EncodedRow } from './hf-tokenizer';
export { loadTokenizer } from './load';
export { splitWords } from './split';
