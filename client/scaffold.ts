/**
 * Text of new files the wizards write: a commented trainer config and a computeLoss override.
 * Pure functions (no vscode), so a test validates what they produce against the schema.
 */

export type ScaffoldTask = 'text-classification' | 'tabular-classification' | 'regression';

export interface ConfigScaffoldOptions {
  task: ScaffoldTask;
  /** Data file path relative to the config file. */
  trainFile: string;
  evalFile?: string;
  textColumn?: string;
  labelColumn: string;
  featureColumns?: string[];
  numLabels: number;
  outputDir: string;
  trainerModule?: string;
}

function quote(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : JSON.stringify(value);
}

export function renderConfigScaffold(o: ConfigScaffoldOptions): string {
  const regression = o.task === 'regression';
  const text = o.task === 'text-classification';
  const architecture = text ? 'text-classifier' : 'mlp';
  const lines = [
    '# Fine-Tune Studio trainer config. Hover any key for its documentation;',
    '# training_args uses Hugging Face TrainingArguments names and defaults.',
    'model:',
    `  architecture: ${architecture}   # ${text ? 'embedding + pooling + dense head' : 'multi-layer perceptron over numeric features'}`,
    `  num_labels: ${regression ? 1 : o.numLabels}${regression ? '   # 1 = regression' : ''}`,
    ...(text ? ['  max_length: 64', '  vocab_size: 5000'] : ['  hidden_sizes: [64, 32]']),
    'data:',
    `  train_file: ${quote(o.trainFile)}`,
    ...(o.evalFile ? [`  eval_file: ${quote(o.evalFile)}`] : ['  # eval_file: data/valid.jsonl']),
    ...(text && o.textColumn ? [`  text_column: ${quote(o.textColumn)}`] : []),
    `  label_column: ${quote(o.labelColumn)}`,
    ...(!text && o.featureColumns?.length ? [`  feature_columns: [${o.featureColumns.map(quote).join(', ')}]`] : []),
    ...(o.trainerModule ? [`trainer: ${quote(o.trainerModule)}   # a computeLoss override (runs your code)`] : []),
    `loss_name: ${regression ? 'MSE' : 'CrossEntropy'}`,
    `metrics: [${regression ? 'mse, mae' : 'accuracy, f1'}]`,
    'training_args:',
    `  output_dir: ${quote(o.outputDir)}`,
    '  num_train_epochs: 3',
    '  per_device_train_batch_size: 32',
    `  learning_rate: ${text ? '2.0e-3' : '1.0e-3'}`,
    '  logging_steps: 10',
    ...(o.evalFile
      ? [
          '  eval_strategy: epoch',
          '  save_strategy: epoch',
          '  load_best_model_at_end: true',
          `  metric_for_best_model: ${regression ? 'mse' : 'accuracy'}`,
        ]
      : ['  save_strategy: epoch']),
    '  save_total_limit: 2',
    '  seed: 42',
    '',
  ];
  return lines.join('\n');
}

export function renderCustomTrainerSkeleton(className = 'MyTrainer', fileName = 'my_trainer.ts'): string {
  return `import { Trainer, tf, type Inputs, type ModelOutput, type TrainableModel } from 'finetune-studio';

/**
 * A custom Trainer: override computeLoss as with Hugging Face's Trainer.compute_loss.
 * Reference it from a config with \`trainer: ./${fileName}\`.
 */
export default class ${className} extends Trainer {
  override computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number) {
    const { labels, ...features } = inputs;
    const outputs: ModelOutput = model.forward(features);
    const numLabels = outputs.logits.shape[outputs.logits.shape.length - 1] ?? 1;
    // Sum over the examples, divided by the items in the whole optimizer step: exact with
    // gradient accumulation (numItemsInBatch counts labels across accumulated micro-batches).
    const perExample = tf.losses.softmaxCrossEntropy(
      tf.oneHot(labels as tf.Tensor1D, numLabels),
      outputs.logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    );
    const loss = tf.div(tf.sum(perExample), numItemsInBatch ?? perExample.shape[0] ?? 1);
    return returnOutputs ? ([loss, outputs] as [tf.Tensor, ModelOutput]) : loss;
  }
}
`;
}
