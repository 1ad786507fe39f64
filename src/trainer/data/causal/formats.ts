/**
 * Which causal-LM format a data file holds: `data.format`, else told from its columns. Alpaca- and
 * ShareGPT-shaped files are recognised and refused with the mapping to write, since neither maps
 * onto a column rename alone (Alpaca joins two columns into a prompt; ShareGPT renames roles).
 */
import type { DataConfig } from '../../../config/schema';
import { DataError } from '../errors';
import type { RawTable } from '../table';

export type CausalFormat = 'text' | 'prompt-completion' | 'messages';

export function causalFormatOf(table: RawTable, data: DataConfig): CausalFormat {
  const has = (column: string) => table.columns.includes(column);
  if (data.format) return data.format;
  if (has(data.messages_column)) return 'messages';
  if (has(data.prompt_column) && has(data.completion_column)) return 'prompt-completion';
  if (has(data.text_column)) return 'text';
  const shape = foreignShape(table);
  if (shape) throw new DataError(table.file, 1, 1, shape);
  throw new DataError(
    table.file,
    1,
    1,
    `no column to train a language model on; the columns are ${table.columns.map((c) => `"${c}"`).join(', ')}. ` +
      `Name a text column (data.text_column), a prompt and a completion (data.prompt_column, data.completion_column) or a conversation (data.messages_column), or set data.format`,
  );
}

/** What to write for an Alpaca or ShareGPT file; undefined for other shapes. */
export function foreignShape(table: RawTable): string | undefined {
  const has = (column: string) => table.columns.includes(column);
  if (has('instruction') && has('output')) {
    return (
      'this is an Alpaca-style file (instruction/input/output), which is not read directly. Write it as prompt-completion rows: ' +
      '{"prompt": instruction + ("\\n\\n" + input when input is not empty), "completion": output}, ' +
      'or map the columns with data.prompt_column: instruction and data.completion_column: output when "input" is always empty'
    );
  }
  if (has('conversations')) {
    const first = table.rows[0]?.values.conversations;
    if (Array.isArray(first) && first.some((turn) => typeof turn === 'object' && turn !== null && 'from' in turn && 'value' in turn)) {
      return (
        'this is a ShareGPT-style file (conversations of {from, value}), which is not read directly. Write each row as ' +
        '{"messages": [{"role": ..., "content": value}, ...]} with the roles human → user, gpt → assistant, system → system ' +
        '(TRL\'s maybe_convert_to_chatml does the same), then set data.format: messages'
      );
    }
  }
  return undefined;
}
