/** The causal-LM format of a data file (src/config/causal-data decides), or a DataError at line 1 that says what to write. */
import { detectCausalFormat, foreignCausalShape, type CausalFormat } from '../../../config/causal-data';
import type { DataConfig } from '../../../config/schema';
import { DataError } from '../errors';
import type { RawTable } from '../table';

export type { CausalFormat };

export function causalFormatOf(table: RawTable, data: DataConfig): CausalFormat {
  const format = detectCausalFormat(table.columns, data);
  if (format) return format;
  const shape = foreignCausalShape(table.columns, table.rows[0]?.values.conversations);
  if (shape) throw new DataError(table.file, 1, 1, shape);
  throw new DataError(
    table.file,
    1,
    1,
    `no column to train a language model on; the columns are ${table.columns.map((c) => `"${c}"`).join(', ')}. ` +
      `Name a text column (data.text_column), a prompt and a completion (data.prompt_column, data.completion_column) or a conversation (data.messages_column), or set data.format`,
  );
}
