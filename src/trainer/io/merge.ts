/**
 * PEFT's merge_and_unload on disk: an adapter folder and its base become one Hugging Face model
 * folder (W += B·A·scaling in every adapted Linear or Conv1D, the modules to save in place of the
 * base's), which transformers loads without peft: a *ForSequenceClassification folder for an encoder
 * base, a *ForCausalLM / GPT2LMHeadModel folder (with generation_config.json) for a decoder base.
 */
import { join } from 'node:path';
import { checkedCheckpointTask } from '../../config/checkpoint-task';
import { HF_CONFIG_FILE, readHfConfig } from './hf-folder';
import { readEncoderConfig } from '../models/hf/config';
import { readDecoderConfig } from '../models/hf/decoder-config';
import { loadHfModel } from '../models/hf/load';
import { loadHfCausalLm } from '../models/hf/load-decoder';
import { resolveLora } from '../models/hf/peft-config';
import { adapterHeadSize, baseBesideAdapter, loadAdapterInto, readAdapterConfig, type AdapterModel } from './peft-files';
import { saveModel } from './model-files';

export interface MergeResult {
  baseDir: string;
  baseModel: string;
  /** Modules whose kernels took the adapter. */
  merged: string[];
  parameters: number;
}

/**
 * Merges `adapterDir` into its base and writes `outDir`. `locateBase` resolves a
 * base_model_name_or_path that is not a folder beside the adapter (a path or a Hub id).
 */
export async function mergeAdapterFolder(adapterDir: string, outDir: string, locateBase: (baseModel: string) => Promise<string>): Promise<MergeResult> {
  const { peft, baseModel, path } = await readAdapterConfig(adapterDir);
  const baseDir = baseBesideAdapter(adapterDir, baseModel) ?? (await locateBase(baseModel));
  const configPath = join(baseDir, HF_CONFIG_FILE);
  const json = await readHfConfig(baseDir);
  const task = checkedCheckpointTask(json, peft.task_type === 'CAUSAL_LM' ? 'causal-lm' : undefined, configPath);
  let model: AdapterModel;
  if (task === 'causal-lm') {
    const lora = resolveLora(peft, readDecoderConfig(json, configPath).modelType, 'CAUSAL_LM', path);
    model = (await loadHfCausalLm(baseDir, { lora, baseModelName: baseModel })).model;
  } else {
    const checkpoint = readEncoderConfig(json, configPath);
    const lora = resolveLora(peft, checkpoint.modelType, 'SEQ_CLS', path);
    const numLabels = (await adapterHeadSize(adapterDir)) ?? checkpoint.numLabels;
    model = (await loadHfModel(baseDir, { numLabels, lora, baseModelName: baseModel })).model;
  }
  try {
    await loadAdapterInto(model, adapterDir);
    const adapters = model.lora;
    if (!adapters) throw new Error(`${path}: no LoRA adapters were built`);
    const merged = adapters.targets;
    adapters.mergeAndUnload();
    await saveModel(model, outDir, { config: model.config, dims: { numLabels: model.numLabels } });
    return { baseDir, baseModel, merged, parameters: model.parameterCounts().total };
  } finally {
    model.dispose();
  }
}
