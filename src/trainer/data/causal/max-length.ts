/**
 * The sequence length a causal-LM run cuts or packs rows to, as TRL's SFTTrainer picks it. Pure: the
 * language server's memory plan uses the same rule as the data preparation.
 */

/** TRL's SFTConfig.max_length default, used when neither the config, the tokenizer nor the model bounds it. */
export const TRL_DEFAULT_MAX_LENGTH = 1024;

/** `model.max_length` when set, else the smallest of the tokenizer's model_max_length, the model's positions and TRL's 1024. */
export function causalMaxLength(configured: number | undefined, tokenizerMax: number | undefined, maxPositions: number | undefined): number {
  return configured ?? Math.min(tokenizerMax ?? Infinity, maxPositions ?? Infinity, TRL_DEFAULT_MAX_LENGTH);
}
