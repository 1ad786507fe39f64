/**
 * Rows to token ids and labels, as TRL's SFTTrainer prepares them (`_prepare_dataset`): a text is
 * `tokenizer(text)`; a prompt-completion pair is `tokenizer(prompt + completion)` whose first
 * `len(tokenizer(prompt))` tokens are the prompt. Labels are the ids, or IGNORE_INDEX off the loss.
 */
import type { HfTokenizer } from '../../tokenizer';
import { IGNORE_INDEX } from '../labels';

export interface RowTokens {
  ids: number[];
  labels: number[];
  /** prompt-completion: the prompt's tokens were not a prefix of the pair's (TRL warns of the same). */
  promptMismatch?: boolean;
}

/** TRL's add_eos: the EOS token's text appended unless the text already ends with it. */
export function withEos(text: string, eos: string | undefined): string {
  if (eos === undefined) return text;
  return text.endsWith(eos) ? text : text + eos;
}

export function tokenizeText(tokenizer: HfTokenizer, text: string, eos: string | undefined): RowTokens {
  const ids = tokenizer.encodeIds(withEos(text, eos));
  return { ids, labels: [...ids] };
}

export function tokenizePromptCompletion(tokenizer: HfTokenizer, prompt: string, completion: string, eos: string | undefined, completionOnly: boolean): RowTokens {
  const promptIds = tokenizer.encodeIds(prompt);
  const ids = tokenizer.encodeIds(prompt + withEos(completion, eos));
  const promptMismatch = promptIds.some((id, i) => ids[i] !== id);
  const labels = completionOnly ? ids.map((id, i) => (i < promptIds.length ? IGNORE_INDEX : id)) : [...ids];
  return { ids, labels, ...(promptMismatch ? { promptMismatch } : {}) };
}
