/**
 * Data for a causal language model, prepared as TRL's SFTTrainer prepares it: rows tokenized by
 * the checkpoint's tokenizer (text, prompt-completion, or messages through the chat template),
 * labels IGNORE_INDEX off the loss, rows cut to max_length (keep the start) or packed into blocks,
 * then padded per batch. The loss shifts the labels; nothing here does.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DataConfig, TrainerConfig } from '../../../config/schema';
import { TrainerError } from '../../errors';
import { HfTokenizer, loadTokenizer } from '../../tokenizer';
import { DataError } from '../errors';
import { IGNORE_INDEX } from '../labels';
import type { PreparedData } from '../prepare';
import { readTable } from '../read-table';
import type { RawRow, RawTable } from '../table';
import { describeValue, requireColumn, rowError } from '../values';
import { CausalLmDataset, countTargets } from './causal-dataset';
import { ChatTemplate, ChatTemplateError, hasMarkerCharacters, type ChatMessage } from './chat-template';
import { causalFormatOf, type CausalFormat } from './formats';
import { causalMaxLength } from './max-length';
import { packBfd, packWrapped, type TokenSequence } from './packing';
import { tokenizeMessages } from './tokenize-messages';
import { tokenizePromptCompletion, tokenizeText, type RowTokens } from './tokenize-rows';

export { TRL_DEFAULT_MAX_LENGTH } from './max-length';

export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool'] as const;

export interface CausalPrepareOptions {
  /** Folder of tokenizer.json (the checkpoint's, unless data.tokenizer names another). */
  tokenizerDir: string;
  /** The model's position limit (max_position_embeddings / n_positions), when it has one. */
  maxPositions?: number;
}

/** What one split became; the run reports it. */
export interface CausalSplitStats {
  rows: number;
  /** Sequences trained on: rows, or packed blocks. */
  sequences: number;
  /** Input tokens over all sequences. */
  tokens: number;
  /** Tokens the loss counts (labels after the shift that are not IGNORE_INDEX). */
  targetTokens: number;
  /** Rows longer than max_length that were cut. */
  truncatedRows: number;
  /** Rows left with no target token (after truncation), dropped as TRL drops them. */
  droppedRows: number;
  /** prompt-completion rows whose prompt tokens were not a prefix of the pair's tokens. */
  promptMismatches: number;
}

export interface CausalLmData extends PreparedData {
  train: CausalLmDataset;
  eval?: CausalLmDataset;
  tokenizer: HfTokenizer;
  format: CausalFormat;
  maxLength: number;
  padId: number;
  stats: { train: CausalSplitStats; eval?: CausalSplitStats };
}

export async function prepareCausalLmData(config: TrainerConfig, configDir: string, options: CausalPrepareOptions): Promise<CausalLmData> {
  const { data } = config;
  const tokenizerDir = data.tokenizer ? resolve(configDir, data.tokenizer) : options.tokenizerDir;
  const tokenizer = await loadTokenizer(tokenizerDir);
  if (!(tokenizer instanceof HfTokenizer)) throw new TrainerError(`${tokenizerDir}/tokenizer.json: a language model needs its own Hugging Face tokenizer, not a word tokenizer built by this Trainer`);
  const maxLength = causalMaxLength(config.model.max_length, tokenizer.modelMaxLength, options.maxPositions);

  const train = await readTable(resolve(configDir, data.train_file), { key: 'data.train_file' });
  const evalTable = data.eval_file ? await readTable(resolve(configDir, data.eval_file), { key: 'data.eval_file' }) : undefined;
  const format = causalFormatOf(train, data);
  const template = format === 'messages' ? await chatTemplateFor(data, configDir, tokenizer, tokenizerDir) : undefined;
  const eos = eosFor(format, data, tokenizer, tokenizerDir);
  const rowTokens = rowTokenizer(format, data, tokenizer, template, eos);

  const prepareSplit = (table: RawTable) => {
    for (const column of columnsOf(format, data)) requireColumn(table, column.name, column.key);
    return prepareSplitRows(table, rowTokens, maxLength, data);
  };
  const trainSplit = prepareSplit(train);
  const evalSplit = evalTable ? prepareSplit(evalTable) : undefined;
  const padId = padIdOf(tokenizer);
  const dataset = (split: PreparedSplit) => new CausalLmDataset({ ...split.sequences, padId });
  return {
    task: 'causal-lm',
    numLabels: tokenizer.vocabSize,
    train: dataset(trainSplit),
    ...(evalSplit ? { eval: dataset(evalSplit) } : {}),
    tokenizer,
    format,
    maxLength,
    padId,
    stats: { train: trainSplit.stats, ...(evalSplit ? { eval: evalSplit.stats } : {}) },
  };
}

/** The log lines a run prints about its data (the existing message events carry them). */
export function describeCausalData(data: Pick<CausalLmData, 'stats' | 'maxLength' | 'format'>, packing: { packing: boolean; packing_strategy: string }): Array<{ level: 'info' | 'warning'; text: string }> {
  const lines: Array<{ level: 'info' | 'warning'; text: string }> = [];
  for (const [split, stats] of Object.entries(data.stats) as Array<[string, CausalSplitStats | undefined]>) {
    if (!stats) continue;
    const shape = packing.packing ? `${stats.sequences} packed block(s) of up to ${data.maxLength} tokens (${packing.packing_strategy})` : `${stats.sequences} sequence(s)`;
    lines.push({
      level: 'info',
      text: `${split}: ${stats.rows} ${data.format} row(s) → ${shape}, ${stats.tokens.toLocaleString('en-US')} tokens, ${stats.targetTokens.toLocaleString('en-US')} of them trained on (loss targets).`,
    });
    if (stats.truncatedRows > 0) lines.push({ level: 'info', text: `${split}: ${stats.truncatedRows} row(s) were longer than max_length ${data.maxLength} tokens and were truncated (data.truncation).` });
    if (stats.droppedRows > 0) lines.push({ level: 'warning', text: `${split}: ${stats.droppedRows} row(s) had no token to train on after truncation and were dropped, as TRL drops them.` });
    if (stats.promptMismatches > 0) {
      lines.push({ level: 'warning', text: `${split}: in ${stats.promptMismatches} row(s) the prompt's tokens are not the start of prompt + completion's tokens (a merge across the boundary); the mask follows the prompt's token count, as TRL's does.` });
    }
  }
  return lines;
}

type RowTokenizer = (table: RawTable, row: RawRow) => RowTokens;

interface PreparedSplit {
  sequences: { ids: Int32Array[]; labels: Int32Array[]; positionIds?: Int32Array[] };
  stats: CausalSplitStats;
}

function prepareSplitRows(table: RawTable, rowTokens: RowTokenizer, maxLength: number, data: DataConfig): PreparedSplit {
  const rows: TokenSequence[] = [];
  let truncatedRows = 0;
  let droppedRows = 0;
  let promptMismatches = 0;
  for (const row of table.rows) {
    const tokens = rowTokens(table, row);
    if (tokens.promptMismatch) promptMismatches++;
    if (tokens.ids.length > maxLength && !data.truncation && !(data.packing && data.packing_strategy === 'wrapped')) {
      throw new DataError(
        table.file,
        row.line,
        1,
        `the row has ${tokens.ids.length} tokens, more than max_length ${maxLength}, and data.truncation is false; shorten the row, raise model.max_length, or set data.truncation: true`,
      );
    }
    let ids = Int32Array.from(tokens.ids);
    let labels = Int32Array.from(tokens.labels);
    // Packing cuts rows itself (bfd) or needs no cut (wrapped), as in TRL.
    if (!data.packing) {
      if (ids.length > maxLength) {
        truncatedRows++;
        ids = ids.slice(0, maxLength);
        labels = labels.slice(0, maxLength);
      }
      if (!labels.some((label) => label !== IGNORE_INDEX)) {
        droppedRows++;
        continue;
      }
    }
    rows.push({ ids, labels });
  }
  let sequences: PreparedSplit['sequences'] = { ids: rows.map((r) => r.ids), labels: rows.map((r) => r.labels) };
  if (data.packing) {
    const packed = data.packing_strategy === 'wrapped' ? packWrapped(rows, maxLength) : packBfd(rows, maxLength);
    truncatedRows = packed.truncatedRows;
    sequences = { ids: packed.ids, labels: packed.labels, ...(packed.positionIds ? { positionIds: packed.positionIds } : {}) };
  }
  let tokens = 0;
  let targetTokens = 0;
  for (let i = 0; i < sequences.ids.length; i++) {
    tokens += sequences.ids[i].length;
    targetTokens += countTargets(sequences.labels[i]);
  }
  return {
    sequences,
    stats: { rows: table.rows.length, sequences: sequences.ids.length, tokens, targetTokens, truncatedRows, droppedRows, promptMismatches },
  };
}

function rowTokenizer(format: CausalFormat, data: DataConfig, tokenizer: HfTokenizer, template: ChatTemplate | undefined, eos: string | undefined): RowTokenizer {
  if (format === 'text') return (table, row) => tokenizeText(tokenizer, stringCell(table, row, data.text_column, 'the text'), eos);
  if (format === 'prompt-completion') {
    return (table, row) =>
      tokenizePromptCompletion(tokenizer, stringCell(table, row, data.prompt_column, 'the prompt'), stringCell(table, row, data.completion_column, 'the completion'), eos, data.completion_only_loss);
  }
  return (table, row) => {
    const messages = readMessages(table, row, data.messages_column);
    try {
      return tokenizeMessages(tokenizer, template as ChatTemplate, messages, data.assistant_only_loss);
    } catch (error) {
      if (error instanceof ChatTemplateError) throw new DataError(table.file, row.line, row.columnOf(data.messages_column), error.message);
      throw error;
    }
  };
}

function stringCell(table: RawTable, row: RawRow, column: string, what: string): string {
  const value = row.values[column];
  if (typeof value !== 'string') throw rowError(table, row, column, `a string (${what})`);
  return value;
}

/** A `messages` cell: a non-empty list of {role, content} with known roles and string content. */
function readMessages(table: RawTable, row: RawRow, column: string): ChatMessage[] {
  const value = row.values[column];
  const fail = (detail: string) => new DataError(table.file, row.line, row.columnOf(column), detail);
  if (!Array.isArray(value) || value.length === 0) throw rowError(table, row, column, 'a non-empty list of messages, each {"role": ..., "content": ...}');
  value.forEach((message: unknown, i) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) throw fail(`message ${i + 1} of "${column}" is ${describeValue(message)}, expected an object {"role": ..., "content": ...}`);
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role)) {
      const hint = role === 'human' || role === 'gpt' ? ' (ShareGPT names: use user for human, assistant for gpt)' : '';
      throw fail(`message ${i + 1} of "${column}" has role ${describeValue(role)}; the roles are ${CHAT_ROLES.join(', ')}${hint}`);
    }
    if (typeof content !== 'string') throw fail(`message ${i + 1} of "${column}" (${role}) has content ${describeValue(content)}, expected a string`);
    if (hasMarkerCharacters(content)) throw fail(`message ${i + 1} of "${column}" holds the private-use characters U+E000/U+E001, which mark assistant spans while rendering; remove them`);
  });
  return value as ChatMessage[];
}

interface RequiredColumn {
  name: string;
  key: string;
}

function columnsOf(format: CausalFormat, data: DataConfig): RequiredColumn[] {
  if (format === 'text') return [{ name: data.text_column, key: 'data.text_column' }];
  if (format === 'prompt-completion') {
    return [
      { name: data.prompt_column, key: 'data.prompt_column' },
      { name: data.completion_column, key: 'data.completion_column' },
    ];
  }
  return [{ name: data.messages_column, key: 'data.messages_column' }];
}

/** The EOS text to append: TRL appends it to texts and completions; `data.append_eos` decides here. */
function eosFor(format: CausalFormat, data: DataConfig, tokenizer: HfTokenizer, tokenizerDir: string): string | undefined {
  if (format === 'messages') return undefined; // the chat template writes end-of-turn tokens
  const append = data.append_eos ?? format === 'prompt-completion';
  if (!append) return undefined;
  const eos = tokenizer.specialToken('eos_token');
  if (eos === undefined) throw new TrainerError(`${tokenizerDir}/tokenizer_config.json has no eos_token, so data.append_eos cannot add one; set "eos_token" there or set data.append_eos: false`);
  return eos;
}

/** The pad token, else EOS (as TRL and most causal-LM recipes do); padding is masked out of attention and loss either way. */
function padIdOf(tokenizer: HfTokenizer): number {
  for (const name of ['pad_token', 'eos_token'] as const) {
    const token = tokenizer.specialToken(name);
    const id = token === undefined ? undefined : tokenizer.tokenId(token);
    if (id !== undefined) return id;
  }
  return tokenizer.padId;
}

/** data.chat_template (a .jinja file or the template text), else the tokenizer's; none is an error that says what to set. */
async function chatTemplateFor(data: DataConfig, configDir: string, tokenizer: HfTokenizer, tokenizerDir: string): Promise<ChatTemplate> {
  const specials = tokenizer.specialTokensMap;
  if (data.chat_template !== undefined) {
    if (/\.jinja$/i.test(data.chat_template.trim())) {
      const file = resolve(configDir, data.chat_template.trim());
      let source: string;
      try {
        source = await readFile(file, 'utf8');
      } catch (error) {
        throw new TrainerError(`data.chat_template: cannot read ${file}: ${(error as Error).message}`);
      }
      return new ChatTemplate(source, file, specials);
    }
    return new ChatTemplate(data.chat_template, 'data.chat_template', specials);
  }
  const own = tokenizer.chatTemplate;
  if (own === undefined) {
    throw new TrainerError(
      `${tokenizerDir}: the tokenizer has no chat template (no chat_template.jinja, no "chat_template" in tokenizer_config.json), so "messages" rows cannot be rendered; set data.chat_template to a .jinja file or to the template text`,
    );
  }
  return new ChatTemplate(own, `${tokenizerDir}/chat_template`, specials);
}
