/**
 * Data for a Hugging Face checkpoint: rows tokenized by the checkpoint's tokenizer.json (special
 * tokens, truncation, token types, sentence pairs), padded per batch, and labels mapped through the
 * checkpoint's label2id when the data's labels are among its names.
 */
import { resolve } from 'node:path';
import type { TrainerConfig } from '../../config/schema';
import { usablePositions, type EncoderConfig, type ProblemType } from '../models/hf/config';
import { HfTokenizer, loadTokenizer } from '../tokenizer';
import { DataError } from './errors';
import { encodeClassLabels, encodeRegressionTargets, inferLabelNames } from './labels';
import { PaddedTextDataset } from './padded-dataset';
import type { PreparedData } from './prepare';
import { readTable } from './read-table';
import type { RawTable } from './table';
import { isMissing, requireColumn, rowError } from './values';

export interface HfPreparedData extends PreparedData {
  tokenizer: HfTokenizer;
  problemType: ProblemType;
  maxLength: number;
  /** Tokens in the longest training row: batches pad to their longest row, so no batch is longer. */
  longestTrainRow: number;
  /** Rows cut to max_length, per split. */
  truncatedRows: { train: number; eval: number };
  /** Whether the data's labels fit the checkpoint's head (else a new head is made). */
  keepsHead: boolean;
}

export async function prepareHfData(config: TrainerConfig, configDir: string, checkpointDir: string, checkpoint: EncoderConfig): Promise<HfPreparedData> {
  const { data, model } = config;
  const tokenizerDir = data.tokenizer ? resolve(configDir, data.tokenizer) : checkpointDir;
  const tokenizer = await loadTokenizer(tokenizerDir);
  if (!(tokenizer instanceof HfTokenizer)) throw new Error(`${tokenizerDir}/tokenizer.json: a Hugging Face checkpoint needs its own tokenizer, not a word tokenizer built by this Trainer`);
  const positions = usablePositions(checkpoint);
  const maxLength = model.max_length ?? Math.min(tokenizer.modelMaxLength ?? positions, positions);

  const train = await readTable(resolve(configDir, data.train_file));
  const evalTable = data.eval_file ? await readTable(resolve(configDir, data.eval_file)) : undefined;
  const tables = evalTable ? [train, evalTable] : [train];
  for (const table of tables) {
    requireColumn(table, data.text_column, 'data.text_column');
    requireColumn(table, data.label_column, 'data.label_column');
    if (data.text_pair_column) requireColumn(table, data.text_pair_column, 'data.text_pair_column');
  }

  const problemType: ProblemType = model.problem_type ?? checkpoint.problemType ?? (checkpoint.numLabels === 1 ? 'regression' : 'single_label_classification');
  const labels = labelPlan(train, data.label_column, problemType, checkpoint);
  const hasTypes = checkpoint.typeVocabSize > 1;
  const toDataset = (table: RawTable) => {
    const ids: Int32Array[] = [];
    const typeIds: Int32Array[] = [];
    let truncated = 0;
    let longest = 0;
    for (const row of table.rows) {
      const text = row.values[data.text_column];
      if (typeof text !== 'string') throw rowError(table, row, data.text_column, 'a string (the text column)');
      const pairValue = data.text_pair_column ? row.values[data.text_pair_column] : undefined;
      if (data.text_pair_column && typeof pairValue !== 'string') throw rowError(table, row, data.text_pair_column, 'a string (the pair column)');
      const encoded = tokenizer.encodeRow(text, pairValue as string | undefined, maxLength);
      if (encoded.truncated) truncated++;
      ids.push(Int32Array.from(encoded.ids));
      longest = Math.max(longest, encoded.ids.length);
      typeIds.push(Int32Array.from(encoded.typeIds));
    }
    const dataset = new PaddedTextDataset({ ids, ...(hasTypes ? { typeIds } : {}), padId: checkpoint.padTokenId }, labels.encode(table), problemType === 'multi_label_classification' ? labels.numLabels : 1);
    return { dataset, truncated, longest };
  };
  const trainSet = toDataset(train);
  const evalSet = evalTable ? toDataset(evalTable) : undefined;
  return {
    train: trainSet.dataset,
    ...(evalSet ? { eval: evalSet.dataset } : {}),
    task: problemType === 'regression' ? 'regression' : 'classification',
    numLabels: labels.numLabels,
    ...(labels.names ? { labelNames: labels.names } : {}),
    tokenizer,
    problemType,
    maxLength,
    longestTrainRow: trainSet.longest,
    truncatedRows: { train: trainSet.truncated, eval: evalSet?.truncated ?? 0 },
    keepsHead: labels.numLabels === checkpoint.numLabels && (labels.names === checkpoint.labelNames || sameNames(labels.names, checkpoint.labelNames)),
  };
}

interface LabelPlan {
  numLabels: number;
  names?: string[];
  encode(table: RawTable): Float32Array | Int32Array;
}

/**
 * Names in the data map through the checkpoint's id2label when all of them are there; otherwise the
 * names come from the data (sorted) and the head is new. Integer labels are class ids.
 */
function labelPlan(train: RawTable, column: string, problemType: ProblemType, checkpoint: EncoderConfig): LabelPlan {
  if (problemType === 'regression') return { numLabels: 1, encode: (table) => encodeRegressionTargets(table, column) };
  if (problemType === 'multi_label_classification') {
    const seen = new Set<string>();
    for (const row of train.rows) for (const name of labelList(train, row, column)) seen.add(name);
    const known = checkpoint.labelNames;
    const names = known && [...seen].every((n) => known.includes(n)) ? known : [...seen].sort();
    return {
      numLabels: names.length,
      names,
      encode: (table) => {
        const out = new Float32Array(table.rows.length * names.length);
        table.rows.forEach((row, r) => {
          for (const name of labelList(table, row, column)) {
            const id = names.indexOf(name);
            if (id < 0) throw rowError(table, row, column, `labels among ${names.join(', ')}`);
            out[r * names.length + id] = 1;
          }
        });
        return out;
      },
    };
  }
  const dataNames = inferLabelNames(train, column, Number.MAX_SAFE_INTEGER);
  const known = checkpoint.labelNames;
  if (dataNames) {
    const names = known && dataNames.every((n) => known.includes(n)) ? known : dataNames;
    return { numLabels: names.length, names, encode: (table) => encodeClassLabels(table, column, names.length, names) };
  }
  let maxId = 0;
  for (const row of train.rows) maxId = Math.max(maxId, Number(row.values[column]));
  const numLabels = Math.max(maxId + 1, checkpoint.numLabels);
  const names = known && known.length === numLabels ? known : undefined;
  return { numLabels, ...(names ? { names } : {}), encode: (table) => encodeClassLabels(table, column, numLabels, undefined) };
}

/** A multi-label cell: a list of names (or ids), or one name. */
function labelList(table: RawTable, row: RawTable['rows'][number], column: string): string[] {
  const value = row.values[column];
  if (isMissing(value)) throw rowError(table, row, column, 'a list of labels');
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  throw new DataError(table.file, row.line, row.columnOf(column), `column "${column}" is not a list of labels`);
}

function sameNames(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b) return a === b || (!a && !b);
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
