/**
 * Which weights get weight decay, following HF's `Trainer.get_decay_parameter_names`: biases and
 * normalisation-layer weights are excluded, everything else (embeddings included) is decayed.
 * HF also excludes by module type (nn.LayerNorm); here only names exist, so the name patterns
 * cover the usual spellings of normalisation layers in both PyTorch and tfjs naming.
 */

const EXCLUDED_NAME_PATTERNS: readonly RegExp[] = [
  /bias/, // HF: r"bias"
  /layer_?norm|rms_?norm|batch_?norm|group_?norm|normali[sz]ation/, // HF: layernorm, rmsnorm (+ tfjs layer names)
  /(?:^|\.)norm\d*(?:$|\.)/, // HF: (?:^|\.)norm(?:$|\.), also norm1/norm2
  /_norm\d*(?:$|\.)/, // HF: _norm(?:$|\.), e.g. attn_norm, post_attention_norm
  /(?:^|\.)ln(?:\d+|_[a-z0-9_]+)?(?:$|\.)/, // GPT-2 style ln_1, ln_f
  /(?:^|\.)(?:gamma|beta)$/, // tfjs normalisation weights
];

/** True when HF would not apply weight decay to this weight (biases, normalisation weights). */
export function isDecayExcluded(weightName: string): boolean {
  // HF matches on the lower-cased dotted name; tfjs names use '/' between scopes.
  const name = weightName.toLowerCase().replace(/\//g, '.');
  return EXCLUDED_NAME_PATTERNS.some((pattern) => pattern.test(name));
}
