/**
 * Which causal-LM format a data file holds, told from its columns; and the Alpaca / ShareGPT shapes,
 * which are refused with the mapping to write (neither maps onto a column rename alone: Alpaca joins
 * two columns into a prompt, ShareGPT renames roles). Pure: the trainer and the editor both read it.
 */
import type { DataConfig } from './schema';

export type CausalFormat = 'text' | 'prompt-completion' | 'messages';

type FormatKeys = Pick<DataConfig, 'format' | 'text_column' | 'prompt_column' | 'completion_column' | 'messages_column'>;

/** `data.format`, else `messages` → messages, prompt + completion → prompt-completion, a text column → text; undefined when none fits. */
export function detectCausalFormat(columns: readonly string[], data: FormatKeys): CausalFormat | undefined {
  if (data.format) return data.format;
  if (columns.includes(data.messages_column)) return 'messages';
  if (columns.includes(data.prompt_column) && columns.includes(data.completion_column)) return 'prompt-completion';
  if (columns.includes(data.text_column)) return 'text';
  return undefined;
}

/** What to write for an Alpaca- or ShareGPT-shaped file (`firstConversations`: the first row's `conversations` value); undefined for other shapes. */
export function foreignCausalShape(columns: readonly string[], firstConversations?: unknown): string | undefined {
  if (columns.includes('instruction') && columns.includes('output')) {
    return (
      'this is an Alpaca-style file (instruction/input/output), which is not read directly. Write it as prompt-completion rows: ' +
      '{"prompt": instruction + ("\\n\\n" + input when input is not empty), "completion": output}, ' +
      'or map the columns with data.prompt_column: instruction and data.completion_column: output when "input" is always empty'
    );
  }
  const shareGpt = Array.isArray(firstConversations) && firstConversations.some((turn) => typeof turn === 'object' && turn !== null && 'from' in turn && 'value' in turn);
  if (columns.includes('conversations') && (firstConversations === undefined || shareGpt)) {
    return (
      'this is a ShareGPT-style file (conversations of {from, value}), which is not read directly. Write each row as ' +
      '{"messages": [{"role": ..., "content": value}, ...]} with the roles human → user, gpt → assistant, system → system ' +
      '(TRL\'s maybe_convert_to_chatml does the same), then set data.format: messages'
    );
  }
  return undefined;
}
