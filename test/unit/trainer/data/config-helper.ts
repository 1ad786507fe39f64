/** Builds a full TrainerConfig (schema defaults applied) from a partial one, for data and model tests. */
import { applyDefaults, shapeOf } from '../../../../src/config/schema-shape';
import type { JsonValue } from '../../../../src/config/tree';
import { TrainerConfigSchema, type TrainerConfig } from '../../../../src/config/schema';

export interface PartialConfig {
  model?: Record<string, unknown>;
  data: Record<string, unknown> & { train_file: string };
  training_args?: Record<string, unknown>;
}

export function makeConfig(partial: PartialConfig): TrainerConfig {
  const raw = { model: {}, training_args: {}, loss_kwargs: {}, ...partial };
  // The defaults the validator applies (TypeBox's Value.Default cannot walk the schema's Unsafe enums).
  return applyDefaults(shapeOf(TrainerConfigSchema), structuredClone(raw) as JsonValue) as TrainerConfig;
}
