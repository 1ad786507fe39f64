/**
 * A conversation to token ids and labels: rendered with the chat template and tokenized without
 * special tokens (the template writes them), as transformers' apply_chat_template(tokenize=True).
 * With assistant_only_loss, the labels keep the assistant turns only: the template's
 * `{% generation %}` spans when it has them (what TRL trains on), else each assistant turn found by
 * rendering the conversation up to it, with and without it (prefix renders).
 */
import type { HfTokenizer } from '../../tokenizer';
import { IGNORE_INDEX } from '../labels';
import { ChatTemplateError, type ChatMessage, type ChatTemplate } from './chat-template';
import type { RowTokens } from './tokenize-rows';

export function tokenizeMessages(tokenizer: HfTokenizer, template: ChatTemplate, messages: readonly ChatMessage[], assistantOnly: boolean): RowTokens {
  const full = template.render(messages, false);
  const ids = tokenizer.encodeIds(full.text, false);
  if (!assistantOnly) return { ids, labels: [...ids] };
  const spans = template.hasGenerationMarkers ? full.spans : assistantSpans(template, messages, full.text);
  const labels = new Array<number>(ids.length).fill(IGNORE_INDEX);
  for (const [start, end] of spans) {
    if (end <= start) continue;
    const first = tokenAt(tokenizer, full.text, ids, start);
    const last = tokenEnd(tokenizer, full.text, ids, end);
    for (let t = first; t < last; t++) labels[t] = ids[t];
  }
  return { ids, labels };
}

/** Each assistant turn's characters: after the conversation before it with the generation prompt, up to the conversation through it. */
function assistantSpans(template: ChatTemplate, messages: readonly ChatMessage[], text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    const before = template.render(messages.slice(0, i), true).text;
    const through = template.render(messages.slice(0, i + 1), false).text;
    if (!through.startsWith(before) || !text.startsWith(through)) {
      throw new ChatTemplateError(
        `the chat template (${template.origin}) does not render this conversation prefix by prefix at message ${i + 1}, so its assistant turns cannot be told apart; ` +
          'give a template with {% generation %} markers (data.chat_template) or set data.assistant_only_loss: false',
      );
    }
    spans.push([before.length, through.length]);
  });
  return spans;
}

/** Index of the token holding character `at` (transformers' char_to_token), from the tokens of the text before it. */
function tokenAt(tokenizer: HfTokenizer, text: string, ids: readonly number[], at: number): number {
  return commonPrefix(tokenizer.encodeIds(text.slice(0, at), false), ids);
}

/** One past the token holding character `end - 1`: where the text up to `end` stops matching, the straddling token is included. */
function tokenEnd(tokenizer: HfTokenizer, text: string, ids: readonly number[], end: number): number {
  if (end >= text.length) return ids.length;
  const head = tokenizer.encodeIds(text.slice(0, end), false);
  const shared = commonPrefix(head, ids);
  return shared === head.length ? shared : Math.min(shared + 1, ids.length);
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
