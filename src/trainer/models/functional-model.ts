import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../config/schema';
import type { ModelDims } from './architectures';
import type { ForwardOptions, ModelOutput, NamedWeight, TrainableModel } from '../types';
import { mixSeed } from './init';
import { DropoutContext } from './ops';
import type { WeightStore } from './weights';

/** Computes logits from validated inputs; dropout goes through the context. */
export type ForwardBody = (inputs: Readonly<Record<string, tf.Tensor>>, dropout: DropoutContext) => tf.Tensor;

export interface FunctionalModelSpec {
  architecture: string;
  inputNames: readonly string[];
  /** Inputs that may be omitted (e.g. attention_mask defaults to all ones). */
  optionalInputs?: readonly string[];
  numLabels: number;
  body: ForwardBody;
}

/** A TrainableModel made of named variables and a forward function over tf ops. */
export class FunctionalModel implements TrainableModel {
  readonly architecture: string;
  readonly inputNames: readonly string[];
  readonly numLabels: number;
  private unseededCalls = 0;

  constructor(
    private readonly spec: FunctionalModelSpec,
    private readonly store: WeightStore,
    private readonly seed: number,
    /** What the model was built from, so a save records the model as it is (not as a later config says). */
    readonly config: ModelConfig,
    readonly dims: ModelDims,
  ) {
    this.architecture = spec.architecture;
    this.inputNames = spec.inputNames;
    this.numLabels = spec.numLabels;
  }

  forward(features: Record<string, tf.Tensor>, options: ForwardOptions = {}): ModelOutput {
    for (const name of this.inputNames) {
      if (!features[name] && !this.spec.optionalInputs?.includes(name)) {
        throw new Error(
          `model "${this.architecture}" needs input "${name}", got ${Object.keys(features).join(', ') || 'none'}; pass the batch without its labels`,
        );
      }
    }
    const training = options.training ?? false;
    // Without a seed, successive training calls still get different masks, reproducibly per model.
    const seed = options.seed ?? mixSeed(this.seed, training ? ++this.unseededCalls : 0);
    const dropout = new DropoutContext(training, seed);
    const logits = tf.tidy(() => this.spec.body(features, dropout));
    return { logits };
  }

  weights(): NamedWeight[] {
    return this.store.all();
  }

  trainableWeights(): NamedWeight[] {
    return this.store.trainable();
  }

  dispose(): void {
    this.store.dispose();
  }
}
