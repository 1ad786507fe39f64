import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_LENGTH, type TrainerConfig } from '../../config/schema';
import { loadTokenizer, TOKENIZER_FILE, WordTokenizer, type Tokenizer } from '../tokenizer';
import { BlockDataset, type TensorDataset } from './dataset';
import { computeFeatureStats, detectNumericColumns, readFeatureMatrix, standardize, type FeatureStats } from './features';
import { encodeClassLabels, encodeRegressionTargets, inferLabelNames } from './labels';
import { readTable } from './read-table';
import type { RawTable } from './table';
import { requireColumn, rowError } from './values';

/** causal-lm: token labels shifted inside the loss (data/causal). */
export type Task = 'classification' | 'regression' | 'causal-lm';

export interface PreparedData {
  train: TensorDataset;
  eval?: TensorDataset;
  task: Task;
  numLabels: number;
  /** Class names when labels were strings (id = index); undefined for integer labels and regression. */
  labelNames?: string[];
  /** Text models: the tokenizer that produced `input_ids` (save it with the model). */
  tokenizer?: Tokenizer;
  /** Tabular models: standardisation from the train split, applied to eval too. */
  featureStats?: FeatureStats;
  featureNames?: string[];
}

export interface PrepareOptions {
  /** Use this tokenizer (e.g. a checkpoint's) instead of loading or building one. */
  tokenizer?: Tokenizer;
  /** Use these statistics and their feature names (e.g. a checkpoint's) instead of the train split's. */
  featureStats?: FeatureStats;
  /** Use this id → name mapping (e.g. a checkpoint's) instead of inferring it from the train split. */
  labelNames?: string[];
}

/**
 * Reads the train (and eval) files named by `config.data`, relative to `configDir`, and turns them into
 * tensor datasets: token ids and mask for text models, standardised numeric features for `mlp`.
 */
export async function prepareData(config: TrainerConfig, configDir: string, options: PrepareOptions = {}): Promise<PreparedData> {
  const { data, model } = config;
  const task: Task = model.num_labels === 1 ? 'regression' : 'classification';
  const train = await readTable(resolve(configDir, data.train_file), { key: 'data.train_file' });
  const evalTable = data.eval_file ? await readTable(resolve(configDir, data.eval_file), { key: 'data.eval_file' }) : undefined;
  const tables = evalTable ? [train, evalTable] : [train];
  for (const table of tables) requireColumn(table, data.label_column, 'data.label_column');

  const labelNames = task === 'classification' ? (options.labelNames ?? inferLabelNames(train, data.label_column, model.num_labels)) : undefined;
  const encodeLabels = (table: RawTable) =>
    task === 'regression'
      ? encodeRegressionTargets(table, data.label_column)
      : encodeClassLabels(table, data.label_column, model.num_labels, labelNames);

  const common = { task, numLabels: model.num_labels, ...(labelNames ? { labelNames } : {}) };

  if (model.architecture === 'mlp') {
    const names = options.featureStats?.names ?? data.feature_columns ?? detectNumericColumns(train, data.label_column);
    for (const table of tables) for (const name of names) requireColumn(table, name, 'data.feature_columns');
    const trainMatrix = readFeatureMatrix(train, names);
    const featureStats = options.featureStats ?? computeFeatureStats(trainMatrix, names);
    const toDataset = (table: RawTable, matrix: Float32Array) =>
      new BlockDataset([{ name: 'features', width: names.length, data: standardize(matrix, featureStats) }], encodeLabels(table));
    return {
      ...common,
      train: toDataset(train, trainMatrix),
      ...(evalTable ? { eval: toDataset(evalTable, readFeatureMatrix(evalTable, names)) } : {}),
      featureStats,
      featureNames: [...names],
    };
  }

  for (const table of tables) requireColumn(table, data.text_column, 'data.text_column');
  const trainTexts = readTexts(train, data.text_column);
  const tokenizer = options.tokenizer ?? (await obtainTokenizer(config, configDir, trainTexts));
  const toDataset = (table: RawTable, texts: string[]) => {
    const length = model.max_length ?? DEFAULT_MAX_LENGTH;
    const ids = new Int32Array(texts.length * length);
    const mask = new Float32Array(texts.length * length);
    texts.forEach((text, row) => {
      const encoded = tokenizer.encode(text, length);
      ids.set(encoded.ids, row * length);
      mask.set(encoded.mask, row * length);
    });
    return new BlockDataset(
      [
        { name: 'input_ids', width: length, data: ids },
        { name: 'attention_mask', width: length, data: mask },
      ],
      encodeLabels(table),
    );
  };
  return {
    ...common,
    train: toDataset(train, trainTexts),
    ...(evalTable ? { eval: toDataset(evalTable, readTexts(evalTable, data.text_column)) } : {}),
    tokenizer,
  };
}

function readTexts(table: RawTable, column: string): string[] {
  return table.rows.map((row) => {
    const value = row.values[column];
    if (typeof value !== 'string') throw rowError(table, row, column, 'a string (the text column)');
    return value;
  });
}

/** `data.tokenizer` if set, else the `from_pretrained` folder's tokenizer.json, else a word tokenizer built from the train texts. */
async function obtainTokenizer(config: TrainerConfig, configDir: string, trainTexts: string[]): Promise<Tokenizer> {
  if (config.data.tokenizer) return loadTokenizer(resolve(configDir, config.data.tokenizer));
  if (config.model.from_pretrained) {
    const dir = resolve(configDir, config.model.from_pretrained);
    if (existsSync(join(dir, TOKENIZER_FILE))) return loadTokenizer(dir);
  }
  return WordTokenizer.build(trainTexts, { vocabSize: config.model.vocab_size, lowercase: config.data.lowercase });
}

