/**
 * Focal loss (Lin et al. 2017) for an imbalanced classification task: (1 - p_t)^gamma scales
 * down the loss of examples the model already gets right, so the rare class is not drowned out.
 */
import { Trainer, createLoss, tf, type Inputs, type ModelOutput, type TrainableModel } from 'finetune-studio';

export default class FocalTrainer extends Trainer {
  private readonly focal = createLoss('Focal', { gamma: 2 });

  override computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number): tf.Tensor | [tf.Tensor, ModelOutput] {
    const { labels, ...features } = inputs;
    if (!labels) throw new Error('FocalTrainer needs a "labels" column in every batch');
    const outputs = model.forward(features);
    const loss = this.focal(outputs.logits, labels, { numItemsInBatch });
    return returnOutputs ? [loss, outputs] : loss;
  }
}
