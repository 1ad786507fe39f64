import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelConfig } from '../../config/schema';
import type { ModelDims } from '../models';
import type { TrainableModel } from '../types';
import { loadLayersModel, LAYERS_MODEL_FILE } from './layers-model';
import { CONFIG_FILE, loadModel, WEIGHTS_FILE } from './model-files';

/**
 * The model in `dir`, for fine-tuning: a checkpoint of this Trainer (config.json + model.safetensors;
 * its saved architecture wins) or a tfjs LayersModel (model.json). The head is re-made when
 * `dims.numLabels` differs from the saved one; `config.freeze` applies.
 */
export async function fromPretrained(dir: string, config: ModelConfig, dims: ModelDims, seed: number): Promise<TrainableModel> {
  const overrides = { numLabels: dims.numLabels, freeze: config.freeze, seed };
  if (existsSync(join(dir, CONFIG_FILE)) && existsSync(join(dir, WEIGHTS_FILE))) {
    return (await loadModel(dir, overrides)).model;
  }
  if (existsSync(join(dir, LAYERS_MODEL_FILE))) return loadLayersModel(dir, overrides);
  const found = await readdir(dir).catch(() => undefined);
  throw new Error(
    `model.from_pretrained: ${dir} ${found ? `holds ${found.length ? found.join(', ') : 'no files'}` : 'does not exist'}; ` +
      `expected a checkpoint of this Trainer (${CONFIG_FILE} + ${WEIGHTS_FILE}) or a tfjs LayersModel (${LAYERS_MODEL_FILE} + weight files)`,
  );
}

