import { Value } from '@sinclair/typebox/value';
import { ModelSchema, type ModelConfig } from '../../../../src/config/schema';

/** A ModelConfig with schema defaults, small sizes unless overridden. */
export function modelConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  const small = { embedding_dim: 8, vocab_size: 50, max_length: 6, num_heads: 2, ff_dim: 16, hidden_sizes: [8], ...overrides };
  return Value.Default(ModelSchema, Value.Clone(small)) as ModelConfig;
}
