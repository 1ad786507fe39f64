/**
 * What one generation run uses, after defaults: the `generation` config first, then the
 * checkpoint's generation_config.json, then transformers' GenerationConfig defaults
 * (greedy, temperature 1, top_k 50, top_p 1). EOS ids come from generation_config.json, else config.json.
 */
import type { GenerationConfig } from '../../config/schema';
import type { SamplingSettings } from './sampling';

/** transformers' `_get_default_generation_params` values for the fields used here. */
export const HF_GENERATION_DEFAULTS: SamplingSettings = { doSample: false, temperature: 1, topK: 50, topP: 1 };
export const DEFAULT_MAX_NEW_TOKENS = 32;

export interface ResolvedGeneration {
  sampling: SamplingSettings;
  maxNewTokens: number;
  /** Generation stops after any of these (may be empty: then only max_new_tokens stops it). */
  eosTokenIds: number[];
  seed: number;
}

/** The fields of generation_config.json / config.json read here. */
export interface HfGenerationFile {
  do_sample?: unknown;
  temperature?: unknown;
  top_k?: unknown;
  top_p?: unknown;
  eos_token_id?: unknown;
  max_new_tokens?: unknown;
}

export type GenerationOverrides = Partial<Pick<GenerationConfig, 'max_new_tokens' | 'do_sample' | 'temperature' | 'top_k' | 'top_p' | 'seed'>>;

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** `eos_token_id` as transformers accepts it: an id or a list of ids. */
export function eosIds(value: unknown): number[] | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))) return value as number[];
  return undefined;
}

export function resolveGeneration(
  overrides: GenerationOverrides | undefined,
  generationFile: HfGenerationFile | undefined,
  modelConfig: HfGenerationFile | undefined,
  defaultSeed: number,
): ResolvedGeneration {
  const o = overrides ?? {};
  const f = generationFile ?? {};
  const d = HF_GENERATION_DEFAULTS;
  const topK = o.top_k ?? num(f.top_k) ?? d.topK;
  return {
    sampling: {
      doSample: o.do_sample ?? (typeof f.do_sample === 'boolean' ? f.do_sample : d.doSample),
      temperature: o.temperature ?? num(f.temperature) ?? d.temperature,
      topK,
      topP: o.top_p ?? num(f.top_p) ?? d.topP,
    },
    maxNewTokens: o.max_new_tokens ?? num(f.max_new_tokens) ?? DEFAULT_MAX_NEW_TOKENS,
    eosTokenIds: eosIds(f.eos_token_id) ?? eosIds(modelConfig?.eos_token_id) ?? [],
    seed: o.seed ?? defaultSeed,
  };
}

/** A short label for events and the dashboard: `greedy`, or `sample t=0.7 top_k=50 top_p=0.9`. */
export function describeDecoding(s: SamplingSettings): string {
  if (!s.doSample) return 'greedy';
  const parts = ['sample'];
  if (s.temperature !== 1) parts.push(`t=${s.temperature}`);
  if (s.topK !== 0) parts.push(`top_k=${s.topK}`);
  if (s.topP < 1) parts.push(`top_p=${s.topP}`);
  return parts.join(' ');
}
