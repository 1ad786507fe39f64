/** Small, fast fixtures for Trainer-loop tests: defaulted args, a tabular dataset, an MLP. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelSchema, TrainingArgumentsSchema, type ModelConfig, type TrainingArguments } from '../../../../src/config/schema';
import { applyDefaults, shapeOf } from '../../../../src/config/schema-shape';
import type { JsonValue } from '../../../../src/config/tree';
import { BlockDataset } from '../../../../src/trainer/data';
import { createModel } from '../../../../src/trainer/models';
import { mulberry32 } from '../../../../src/trainer/random';
import type { TrainableModel } from '../../../../src/trainer/types';

export function trainingArgs(overrides: Partial<TrainingArguments>): TrainingArguments {
  return applyDefaults(shapeOf(TrainingArgumentsSchema), overrides as JsonValue) as unknown as TrainingArguments;
}

export function modelConfig(overrides: Partial<ModelConfig>): ModelConfig {
  return applyDefaults(shapeOf(ModelSchema), overrides as JsonValue) as unknown as ModelConfig;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fts-trainer-'));
}

/** Separable 3-class data: the class is the index of the largest of the first 3 features. */
export function tabularDataset(rows: number, seed: number, options: { ignoreEvery?: number } = {}): BlockDataset {
  const random = mulberry32(seed);
  const features = new Float32Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 4; c++) features[r * 4 + c] = random() * 2 - 1;
    const f = features.subarray(r * 4, r * 4 + 3);
    labels[r] = f.indexOf(Math.max(...f));
    if (options.ignoreEvery && r % options.ignoreEvery === 0) labels[r] = -100;
  }
  return new BlockDataset([{ name: 'features', width: 4, data: features }], labels);
}

export function mlp(seed = 7, dropout = 0): TrainableModel {
  return createModel(modelConfig({ architecture: 'mlp', hidden_sizes: [16], dropout, num_labels: 3 }), { numFeatures: 4, numLabels: 3 }, seed);
}

export async function weightValues(model: TrainableModel): Promise<Map<string, Float32Array>> {
  const values = new Map<string, Float32Array>();
  for (const w of model.weights()) values.set(w.name, (await w.variable.data()) as Float32Array);
  return values;
}

export function maxAbsDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let max = 0;
  for (const [name, values] of a) {
    const other = b.get(name);
    if (!other) throw new Error(`weight ${name} missing`);
    for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i] - other[i]));
  }
  return max;
}
