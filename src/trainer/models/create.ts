import type { ModelConfig } from '../../config/schema';
import type { TrainableModel } from '../types';
import { buildMlp, buildTextClassifier, buildTransformerEncoder, type ModelDims } from './architectures';
import { FunctionalModel, type FunctionalModelSpec } from './functional-model';
import { WeightStore } from './weights';

const BUILDERS: Record<ModelConfig['architecture'], (config: ModelConfig, dims: ModelDims, store: WeightStore) => FunctionalModelSpec> = {
  mlp: buildMlp,
  'text-classifier': buildTextClassifier,
  'transformer-encoder': buildTransformerEncoder,
};

/**
 * A freshly initialised built-in model. Initial weights depend only on `seed` and each weight's name;
 * `dims.numLabels` (not `config.num_labels`) sizes the head, 1 meaning a regression output.
 */
export function createModel(config: ModelConfig, dims: ModelDims, seed: number): TrainableModel {
  const build = BUILDERS[config.architecture];
  if (!build) {
    throw new Error(`createModel: unknown architecture "${String(config.architecture)}"; use one of ${Object.keys(BUILDERS).join(', ')}`);
  }
  if (!Number.isInteger(dims.numLabels) || dims.numLabels < 1) {
    throw new Error(`createModel: dims.numLabels must be a positive integer, got ${dims.numLabels}`);
  }
  const store = new WeightStore(seed, config.freeze);
  try {
    return new FunctionalModel(build(config, dims, store), store, seed, config, dims);
  } catch (error) {
    store.dispose();
    throw error;
  }
}
