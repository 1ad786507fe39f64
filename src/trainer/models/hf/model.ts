import type { ModelConfig } from '../../../config/schema';
import { FunctionalModel, type FunctionalModelSpec } from '../functional-model';
import type { WeightStore } from '../weights';
import type { EncoderConfig, ProblemType } from './config';

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
}

/** A transformers encoder with a sequence-classification head: a FunctionalModel that knows its checkpoint. */
export class HfEncoderModel extends FunctionalModel {
  readonly hf: HfModelInfo;
  readonly transposedOnDisk: ReadonlySet<string>;

  constructor(spec: FunctionalModelSpec, store: WeightStore, seed: number, info: HfModelInfo) {
    super(spec, store, seed, info.modelConfig ?? ({} as ModelConfig), { numLabels: spec.numLabels });
    this.hf = info;
    this.transposedOnDisk = info.transposedOnDisk;
  }

  /** Parameters in total and trainable (frozen ones excluded). */
  parameterCounts(): { total: number; trainable: number } {
    const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    let total = 0;
    let trainable = 0;
    for (const { variable } of this.weights()) {
      total += size(variable.shape);
      if (variable.trainable) trainable += size(variable.shape);
    }
    return { total, trainable };
  }
}
