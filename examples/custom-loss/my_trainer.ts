/**
 * A custom Trainer that overrides computeLoss, as in Hugging Face's documentation:
 *
 *   class MyTrainer(Trainer):
 *       def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
 *           labels = inputs.pop("labels")
 *           outputs = model(**inputs)
 *           loss = loss_fn(outputs.logits, labels)
 *           return (loss, outputs) if return_outputs else loss
 *
 * The loss comes from `trainer_kwargs.loss_name` in the config.
 */
import { Trainer, createLoss, tf, type Inputs, type ModelOutput, type TrainableModel } from 'finetune-studio';

type TrainerOptions = ConstructorParameters<typeof Trainer>[0];

export default class MyTrainer extends Trainer {
  readonly lossName: string;

  constructor(options: TrainerOptions) {
    super(options);
    const lossName = this.trainerKwargs.loss_name ?? 'CrossEntropy';
    if (typeof lossName !== 'string') throw new Error(`trainer_kwargs.loss_name must be a loss name, got ${JSON.stringify(lossName)}`);
    this.lossName = lossName;
  }

  override computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number): tf.Tensor | [tf.Tensor, ModelOutput] {
    const { labels, ...features } = inputs;
    if (!labels) throw new Error('MyTrainer needs a "labels" column in every batch');
    // The Trainer hands over the model in train or eval mode, so dropout is on exactly when training.
    const outputs = model.forward(features);
    const loss = createLoss(this.lossName)(outputs.logits, labels, { numItemsInBatch });
    return returnOutputs ? [loss, outputs] : loss;
  }
}
