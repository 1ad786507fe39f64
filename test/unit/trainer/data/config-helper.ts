/** Builds a full TrainerConfig (schema defaults applied) from a partial one, for data and model tests. */
import { Value } from '@sinclair/typebox/value';
import { TrainerConfigSchema, type TrainerConfig } from '../../../../src/config/schema';

export interface PartialConfig {
  model?: Record<string, unknown>;
  data: Record<string, unknown> & { train_file: string };
  training_args?: Record<string, unknown>;
}

export function makeConfig(partial: PartialConfig): TrainerConfig {
  const raw = { model: {}, training_args: {}, loss_kwargs: {}, ...partial };
  // Defaults only: the schema's Unsafe enums cannot be checked by Value.Errors, and the tests pass valid values.
  return Value.Default(TrainerConfigSchema, Value.Clone(raw)) as TrainerConfig;
}
