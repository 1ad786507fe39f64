/**
 * The autoregressive loop: feed the prompt once, then one token at a time through the model's
 * KV cache, pick each next token, stop at EOS or after max_new_tokens. The model side is a
 * `LogitsSession`, so the loop knows nothing of tensors or architectures.
 */
import { TokenSampler } from './sampling';
import type { ResolvedGeneration } from './settings';

/** One sequence's decoding state inside a model: its KV cache and position. */
export interface LogitsSession {
  /**
   * Appends `ids` to the sequence (the whole prompt first, then one token per call) and returns the
   * logits of its last position, one row of vocabulary size.
   */
  feed(ids: readonly number[]): Promise<Float32Array>;
  /** Releases the cache's tensors. */
  dispose(): void;
}

export interface GeneratedTokens {
  tokens: number[];
  finish: 'eos' | 'length';
}

export interface DecodeOptions {
  /** Called with each new token as soon as it is chosen (streaming). */
  onToken?: (token: number) => void;
  /** Checked before each step; true ends the loop as if max_new_tokens ran out. */
  shouldStop?: () => boolean;
}

export async function decode(
  session: LogitsSession,
  promptIds: readonly number[],
  settings: ResolvedGeneration,
  options: DecodeOptions = {},
): Promise<GeneratedTokens> {
  if (promptIds.length === 0) throw new Error('generate: the prompt has no tokens; give a prompt, or a tokenizer that adds a BOS token');
  const sampler = new TokenSampler(settings.sampling, settings.seed);
  const eos = new Set(settings.eosTokenIds);
  const tokens: number[] = [];
  let logits = await session.feed(promptIds);
  for (;;) {
    const next = sampler.next(logits);
    tokens.push(next);
    options.onToken?.(next);
    if (eos.has(next)) return { tokens, finish: 'eos' };
    // A macrotask turn per token, so a stop request (IPC, a signal) is seen while generating.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (tokens.length >= settings.maxNewTokens || options.shouldStop?.()) return { tokens, finish: 'length' };
    logits = await session.feed([next]);
  }
}
