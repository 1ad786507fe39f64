/** Writes a small trainer config into a fresh temp folder, pointing at the shared fixture data. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../../fixtures/trainers');

export interface ConfigOptions {
  trainer?: string;
  trainFile?: string;
  extra?: string;
  /** Overrides of the defaults below (and extra keys), written as YAML scalars. */
  trainingArgs?: Record<string, string | number | boolean>;
  backend?: string;
}

export function writeConfig(options: ConfigOptions = {}): { dir: string; path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fts-run-'));
  const path = join(dir, 'test.trainer.yaml');
  const lines = [
    'model:',
    '  architecture: text-classifier',
    '  num_labels: 2',
    '  embedding_dim: 16',
    '  vocab_size: 200',
    '  max_length: 12',
    '  dropout: 0',
    'data:',
    `  train_file: ${JSON.stringify(options.trainFile ?? join(FIXTURES, 'train.jsonl'))}`,
    `  eval_file: ${JSON.stringify(join(FIXTURES, 'valid.jsonl'))}`,
    ...(options.trainer ? [`trainer: ${JSON.stringify(join(FIXTURES, options.trainer))}`] : []),
    `backend: ${options.backend ?? 'cpu'}`,
    ...(options.extra ? [options.extra] : []),
    'training_args:',
    ...Object.entries({
      output_dir: 'out',
      num_train_epochs: 2,
      per_device_train_batch_size: 16,
      learning_rate: 1e-2,
      logging_steps: 2,
      eval_strategy: 'epoch',
      save_strategy: 'epoch',
      ...options.trainingArgs,
    }).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
  ];
  writeFileSync(path, lines.join('\n') + '\n');
  return { dir, path, outputDir: join(dir, 'out') };
}
