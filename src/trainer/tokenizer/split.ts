/**
 * Word/punctuation split matching the Hugging Face `Whitespace` pre-tokenizer (`\w+|[^\w\s]+`,
 * with Rust's Unicode `\w`), so a saved `tokenizer.json` encodes the same in Python.
 */
const WORD = String.raw`[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]`;
const WORD_OR_PUNCT = new RegExp(`${WORD}+|[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}\\s]+`, 'gu');

export function splitWords(text: string, lowercase: boolean): string[] {
  const normalized = lowercase ? text.toLowerCase() : text;
  return normalized.match(WORD_OR_PUNCT) ?? [];
}
