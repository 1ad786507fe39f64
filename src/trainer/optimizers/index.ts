/**
 * Optimizers by `training_args.optim`, with torch.optim semantics and HF's weight-decay grouping.
 */
import type { TrainingArguments } from '../../config/schema';
import type { NamedWeight, TrainerOptimizer } from '../types';
import { isDecayExcluded } from './decay';
import { OptimArgReader, parseOptimArgs } from './optim-args';
import { AdagradOptimizer, AdamOptimizer, RmspropOptimizer, SgdOptimizer } from './rules';

export { isDecayExcluded } from './decay';
export { parseOptimArgs, type OptimArgValue } from './optim-args';

export type OptimizerArgs = Pick<
  TrainingArguments,
  'optim' | 'optim_args' | 'learning_rate' | 'weight_decay' | 'adam_beta1' | 'adam_beta2' | 'adam_epsilon'
>;

/**
 * Builds the optimizer for `weights`. Weight decay applies to every weight except biases and
 * normalisation weights (`isDecayExcluded`). `learningRate` starts at `args.learning_rate`; the
 * scheduler overwrites it before each step. Call `dispose()` to free the state slots.
 */
export function createOptimizer(args: OptimizerArgs, weights: readonly NamedWeight[]): TrainerOptimizer {
  const reader = new OptimArgReader(args.optim, parseOptimArgs(args.optim_args));
  const decayOf = (name: string) => (isDecayExcluded(name) ? 0 : args.weight_decay);
  const lr = args.learning_rate;
  // Settings are read (and unknown optim_args rejected) before anything is allocated.
  switch (args.optim) {
    case 'adamw_torch':
    case 'adamw':
    case 'adam': {
      const settings = { beta1: args.adam_beta1, beta2: args.adam_beta2, eps: args.adam_epsilon, decoupled: args.optim !== 'adam' };
      reader.rejectUnknown();
      return new AdamOptimizer(args.optim, lr, weights, decayOf, settings);
    }
    case 'sgd': {
      const settings = { momentum: reader.number('momentum', 0), dampening: reader.number('dampening', 0), nesterov: reader.boolean('nesterov', false) };
      reader.rejectUnknown();
      return new SgdOptimizer(lr, weights, decayOf, settings);
    }
    case 'adagrad': {
      const settings = {
        lrDecay: reader.number('lr_decay', 0),
        eps: reader.number('eps', 1e-10),
        initialAccumulatorValue: reader.number('initial_accumulator_value', 0),
      };
      reader.rejectUnknown();
      return new AdagradOptimizer(lr, weights, decayOf, settings);
    }
    case 'rmsprop': {
      const settings = {
        alpha: reader.number('alpha', 0.99),
        eps: reader.number('eps', 1e-8),
        momentum: reader.number('momentum', 0),
        centered: reader.boolean('centered', false),
      };
      reader.rejectUnknown();
      return new RmspropOptimizer(lr, weights, decayOf, settings);
    }
    default: {
      const unknown: never = args.optim;
      throw new Error(`Unknown optim "${String(unknown)}". Use one of: adamw_torch, adamw, adam, sgd, adagrad, rmsprop.`);
    }
  }
}
