import type { ModelConfig } from '../../../config/schema';
import { FunctionalModel, type FunctionalModelSpec } from '../functional-model';
import type { WeightStore } from '../weights';
import type { EncoderConfig, ProblemType } from './config';
import { peftParameterCounts, type LoraAdapters } from './lora';

export interface HfModelInfo {
  /** The checkpoint's config as read, with the head this model has (numLabels, labelNames). */
  checkpoint: EncoderConfig;
  problemType: ProblemType;
  /** config.json as read (plus overrides): saving writes it back with the head's keys updated. */
  rawConfig: Record<string, unknown>;
  /** Where the checkpoint came from: its tokenizer files are copied on save. */
  sourceDir: string;
  /** torch Linear weights, held as [in, out] here and stored [out, in] in files. */
  transposedOnDisk: ReadonlySet<string>;
  modelConfig?: ModelConfig;
  /** What adapter_config.json names as the base: the Hub id or the folder the run started from. */
  baseModelName?: string;
}

/** A transformers encoder with a sequence-classification head: a FunctionalModel that knows its checkpoint. */
export class HfEncoderModel extends FunctionalModel {
  readonly hf: HfModelInfo;
  readonly transposedOnDisk: ReadonlySet<string>;
  /** LoRA adapters when the run fine-tunes with `peft:` (or from an adapter folder). */
  readonly lora?: LoraAdapters;

  constructor(spec: FunctionalModelSpec, store: WeightStore, seed: number, info: HfModelInfo, lora?: LoraAdapters) {
    super(spec, store, seed, info.modelConfig ?? ({} as ModelConfig), { numLabels: spec.numLabels });
    this.hf = info;
    this.transposedOnDisk = info.transposedOnDisk;
    this.lora = lora;
  }

  /** Whether the model carries LoRA adapters that are not merged: it saves as a PEFT adapter. */
  get isPeft(): boolean {
    return this.lora !== undefined && !this.lora.isMerged;
  }

  /**
   * Parameters in total and trainable, as PEFT's get_nb_trainable_parameters counts them: with
   * adapters, a module to save is counted twice (PEFT keeps the original beside the trained copy).
   */
  parameterCounts(): { total: number; trainable: number } {
    return peftParameterCounts(this.weights(), this.isPeft ? this.lora : undefined);
  }
}
