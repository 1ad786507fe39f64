/**
 * Next-token selection over one row of logits, as transformers' generation does it: greedy is the
 * argmax; sampling applies the warpers in `_get_logits_processor`'s order (temperature, top-k,
 * top-p) and draws from the softmax. Each warper mirrors its transformers class, in float32 like
 * torch. Pure functions on Float32Array, no tfjs: the decode loop hands over the last position's row.
 */
import { mulberry32 } from '../random';

/** The sampling knobs after defaults (generation config → generation_config.json → transformers). */
export interface SamplingSettings {
  doSample: boolean;
  temperature: number;
  /** 0: off. */
  topK: number;
  /** 1: off. */
  topP: number;
}

/** `TemperatureLogitsWarper`: scores / temperature. */
export function applyTemperature(scores: Float32Array, temperature: number): Float32Array {
  const out = new Float32Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i] / temperature;
  return out;
}

/**
 * `TopKLogitsWarper`: every score below the k-th largest becomes -inf (ties with it are kept,
 * as torch's `scores < topk(scores, k)[0][..., -1]`).
 */
export function applyTopK(scores: Float32Array, topK: number, minTokensToKeep = 1): Float32Array {
  const k = Math.min(Math.max(topK, minTokensToKeep), scores.length);
  const threshold = Float32Array.from(scores).sort((a, b) => b - a)[k - 1];
  return scores.map((s) => (s < threshold ? -Infinity : s));
}

/**
 * `TopPLogitsWarper`: sort ascending, softmax, cumulative sum; tokens whose cumulative probability
 * is <= 1 - top_p are removed, the top `minTokensToKeep` never. The comparison is in float32, as
 * torch casts the Python scalar to the tensor's dtype.
 */
export function applyTopP(scores: Float32Array, topP: number, minTokensToKeep = 1): Float32Array {
  const n = scores.length;
  // Ascending by score; equal scores keep index order (torch.sort is stable on CPU for these sizes).
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const sorted = Float32Array.from(order, (i) => scores[i]);
  const probs = softmax(sorted);
  const cutoff = Math.fround(1 - topP);
  const out = Float32Array.from(scores);
  // torch's CPU cumsum accumulates in double and stores float32.
  let cumulative = 0;
  for (let r = 0; r < n - minTokensToKeep; r++) {
    cumulative += probs[r];
    if (Math.fround(cumulative) <= cutoff) out[order[r]] = -Infinity;
  }
  return out;
}

/** Softmax in float32 (max-subtracted, as torch). -inf scores get probability 0. */
export function softmax(scores: Float32Array): Float32Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const out = new Float32Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp(scores[i] - max);
    sum += out[i];
  }
  const total = Math.fround(sum);
  for (let i = 0; i < out.length; i++) out[i] = out[i] / total;
  return out;
}

/** The warpers `generate` applies when sampling, in its order; greedy decoding applies none. */
export function warpLogits(scores: Float32Array, settings: SamplingSettings): Float32Array {
  if (!settings.doSample) return scores;
  let out = scores;
  if (settings.temperature !== 1) out = applyTemperature(out, settings.temperature);
  if (settings.topK !== 0) out = applyTopK(out, settings.topK);
  if (settings.topP < 1) out = applyTopP(out, settings.topP);
  return out;
}

/** The first index of the largest score (torch.argmax). */
export function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Picks next tokens: greedy, or a seeded draw from the warped distribution. One per decode loop. */
export class TokenSampler {
  private readonly random: () => number;

  constructor(
    readonly settings: SamplingSettings,
    seed: number,
  ) {
    this.random = mulberry32(seed);
  }

  next(logits: Float32Array): number {
    if (!this.settings.doSample) return argmax(logits);
    const probs = softmax(warpLogits(logits, this.settings));
    const u = this.random();
    let cumulative = 0;
    let last = 0;
    for (let i = 0; i < probs.length; i++) {
      if (probs[i] === 0) continue;
      last = i;
      cumulative += probs[i];
      if (u < cumulative) return i;
    }
    // Rounding left the total a hair under 1: the last possible token.
    return last;
  }
}
