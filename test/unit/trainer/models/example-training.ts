/** A bare training loop (Adam, cross-entropy) over a shipped example, to check its data are learnable. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { applyDefaults, shapeOf } from '../../../../src/config/schema-shape';
import type { JsonValue } from '../../../../src/config/tree';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { TrainerConfigSchema, type TrainerConfig } from '../../../../src/config/schema';
import { prepareData, type TensorDataset } from '../../../../src/trainer/data';
import { createModel, seededStream } from '../../../../src/trainer/models';
import type { TrainableModel } from '../../../../src/trainer/types';

export async function loadExampleConfig(path: string): Promise<TrainerConfig> {
  const raw = parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  // The defaults the validator applies (TypeBox's Value.Default cannot walk the schema's Unsafe enums).
  return applyDefaults(shapeOf(TrainerConfigSchema), { loss_kwargs: {}, ...raw } as JsonValue) as TrainerConfig;
}

export interface ExampleRun {
  accuracy: number;
  /** F1 of class 1. */
  f1: number;
  seconds: number;
}

/** A seeded Fisher-Yates order, so the check is deterministic. */
function shuffled(size: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function evaluate(model: TrainableModel, data: TensorDataset): { accuracy: number; f1: number } {
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let start = 0; start < data.size; start += 128) {
    const indices = Array.from({ length: Math.min(128, data.size - start) }, (_, i) => start + i);
    const { labels, ...features } = data.batch(indices);
    const predicted = tf.tidy(() => tf.argMax(model.forward(features).logits, -1).dataSync());
    const truth = labels?.dataSync() ?? [];
    predicted.forEach((p, i) => {
      if (p === truth[i]) correct++;
      if (p === 1 && truth[i] === 1) tp++;
      if (p === 1 && truth[i] !== 1) fp++;
      if (p !== 1 && truth[i] === 1) fn++;
    });
    tf.dispose([labels, features]);
  }
  return { accuracy: correct / data.size, f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn) };
}

/** Trains the example's model for `epochs` (default: the config's) and evaluates on its eval split. */
export async function trainExample(configPath: string, epochs?: number): Promise<ExampleRun> {
  const started = performance.now();
  const config = await loadExampleConfig(configPath);
  const prepared = await prepareData(config, dirname(configPath));
  const args = config.training_args;
  const model = createModel(
    config.model,
    { vocabSize: prepared.tokenizer?.vocabSize, numFeatures: prepared.featureNames?.length, numLabels: prepared.numLabels },
    args.seed,
  );
  const optimizer = tf.train.adam(args.learning_rate);
  const variables = model.trainableWeights().map((w) => w.variable);
  const batchSize = args.per_device_train_batch_size;
  let step = 0;
  for (let epoch = 0; epoch < (epochs ?? args.num_train_epochs); epoch++) {
    const order = shuffled(prepared.train.size, seededStream(args.seed + epoch));
    for (let start = 0; start < order.length; start += batchSize) {
      const { labels, ...features } = prepared.train.batch(order.subarray(start, start + batchSize));
      const cost = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, prepared.numLabels), model.forward(features, { training: true, seed: step++ }).logits) as tf.Scalar,
        true,
        variables,
      );
      cost?.dispose();
      tf.dispose([labels, features]);
    }
  }
  const result = evaluate(model, prepared.eval as TensorDataset);
  model.dispose();
  optimizer.dispose();
  return { ...result, seconds: (performance.now() - started) / 1000 };
}
