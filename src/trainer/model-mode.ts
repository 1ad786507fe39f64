/**
 * A view of a model in train or eval mode. HF models carry a `training` flag set by
 * `model.train()` / `model.eval()`; here the Trainer hands computeLoss this view, so a user's
 * plain `model.forward(features)` gets dropout (with a replayable seed) exactly when training.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ForwardOptions, ModelOutput, NamedWeight, TrainableModel } from './types';

export class ModelInMode implements TrainableModel {
  constructor(
    private readonly inner: TrainableModel,
    private readonly training: boolean,
    private readonly seed: number | undefined,
    private readonly mems?: tf.Tensor,
  ) {}

  get architecture(): string {
    return this.inner.architecture;
  }
  get inputNames(): readonly string[] {
    return this.inner.inputNames;
  }
  get numLabels(): number {
    return this.inner.numLabels;
  }

  forward(features: Record<string, tf.Tensor>, options?: ForwardOptions): ModelOutput {
    return this.inner.forward(features, { training: this.training, seed: this.seed, mems: this.mems, ...options });
  }

  weights(): NamedWeight[] {
    return this.inner.weights();
  }
  trainableWeights(): NamedWeight[] {
    return this.inner.trainableWeights();
  }
  dispose(): void {
    // The view owns nothing; the Trainer's caller owns the model.
  }
}
