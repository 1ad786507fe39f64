/**
 * Text in, text out for a causal LM: prompts become ids (plain, or a conversation through the
 * chat template with the generation prompt, as `apply_chat_template(add_generation_prompt=True)`),
 * the decode loop runs over the model's KV cache, and the new tokens are decoded, streamed as they
 * become final. Shared by the Trainer's evaluation, `finetune-studio generate` and the Try Model panel.
 */
import * as tf from '@tensorflow/tfjs';
import { ChatTemplate, type ChatMessage } from '../data/causal/chat-template';
import { disposeCache, type KvCache } from '../models/hf/decoders';
import type { HfCausalLmModel } from '../models/hf/causal-lm';
import type { HfTokenizer } from '../tokenizer';
import { decode, type LogitsSession } from './decode-loop';
import type { ResolvedGeneration } from './settings';
import { TextStream } from './text-stream';

/** One sequence through `model.decode`, the cache kept between calls and released on dispose. */
export function cacheSession(model: HfCausalLmModel): LogitsSession {
  let cache: KvCache | undefined;
  return {
    async feed(ids) {
      const input = tf.tensor2d([[...ids]], [1, ids.length], 'int32');
      const step = model.decode({ input_ids: input }, cache ? { past: cache } : {});
      input.dispose();
      disposeCache(cache);
      cache = step.cache;
      const last = tf.tidy(() => step.logits.slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1]));
      step.logits.dispose();
      const row = (await last.data()) as Float32Array;
      last.dispose();
      return row;
    },
    dispose() {
      disposeCache(cache);
      cache = undefined;
    },
  };
}

export interface Completion {
  text: string;
  tokens: number[];
  finish: 'eos' | 'length';
}

export interface GenerateTextOptions {
  /** Each piece of text as it becomes final. */
  onText?: (piece: string) => void;
  shouldStop?: () => boolean;
}

export class TextGenerator {
  private readonly template?: ChatTemplate;

  constructor(
    readonly model: HfCausalLmModel,
    readonly tokenizer: HfTokenizer,
    /** A chat template to use instead of the tokenizer's (data.chat_template). */
    chatTemplate?: ChatTemplate,
  ) {
    const source = tokenizer.chatTemplate;
    this.template = chatTemplate ?? (source === undefined ? undefined : new ChatTemplate(source, 'tokenizer_config.json chat_template', tokenizer.specialTokensMap));
  }

  get hasChatTemplate(): boolean {
    return this.template !== undefined;
  }

  /** `tokenizer(text)`: the post-processor's special tokens (a BOS) included, as generate's callers do. */
  textPromptIds(text: string): number[] {
    return this.tokenizer.encodeIds(text, true);
  }

  /** The conversation rendered with the generation prompt and tokenized without special tokens (the template writes them). */
  chatPromptIds(messages: readonly ChatMessage[]): number[] {
    if (!this.template) throw new Error('this tokenizer has no chat_template (tokenizer_config.json or chat_template.jinja); generate without --chat, or use a model that has one');
    return this.tokenizer.encodeIds(this.template.render(messages, true).text, false);
  }

  /** The position limit (max_position_embeddings / n_positions) the prompt and new tokens must fit in. */
  private maxPositions(): number | undefined {
    const raw = this.model.hf.rawConfig;
    const n = raw.max_position_embeddings ?? raw.n_positions;
    return typeof n === 'number' ? n : undefined;
  }

  async generate(promptIds: readonly number[], settings: ResolvedGeneration, options: GenerateTextOptions = {}): Promise<Completion> {
    const limit = this.maxPositions();
    let resolved = settings;
    if (limit !== undefined) {
      if (promptIds.length >= limit) throw new Error(`the prompt has ${promptIds.length} tokens; this model reads at most ${limit} positions (max_position_embeddings)`);
      // Positions past the learned table do not exist (GPT-2); stop there as transformers would fail there.
      resolved = { ...settings, maxNewTokens: Math.min(settings.maxNewTokens, limit - promptIds.length) };
    }
    const stream = new TextStream((ids) => this.tokenizer.decode(ids, true));
    const session = cacheSession(this.model);
    try {
      const out = await decode(session, promptIds, resolved, {
        onToken: (token) => {
          const piece = stream.push(token);
          if (piece) options.onText?.(piece);
        },
        shouldStop: options.shouldStop,
      });
      const rest = stream.flush();
      if (rest) options.onText?.(rest);
      return { text: stream.text, tokens: out.tokens, finish: out.finish };
    } finally {
      session.dispose();
    }
  }
}
