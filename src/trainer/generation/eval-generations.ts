/**
 * The `generation` prompts completed at each evaluation, as one `generations` event: a Trainer
 * callback, so the loop stays the one loop and a custom Trainer gets it too.
 */
import type { GenerationConfig } from '../../config/schema';
import type { GenerationSample } from '../../protocol/events';
import type { TrainerCallback } from '../callbacks';
import type { EventSink } from '../event-sink';
import type { HfCausalLmModel } from '../models/hf/causal-lm';
import type { HfTokenizer } from '../tokenizer';
import { TextGenerator } from './generator';
import { describeDecoding, resolveGeneration, type HfGenerationFile } from './settings';

export interface EvaluationGenerationsOptions {
  model: HfCausalLmModel;
  tokenizer: HfTokenizer;
  generation: GenerationConfig;
  /** Prompts are user turns rendered with the chat template (default: the data is `messages`). */
  chat: boolean;
  /** The checkpoint's generation_config.json, for defaults the config leaves out. */
  generationFile?: HfGenerationFile;
  events: EventSink;
  seed: number;
}

export function evaluationGenerations(options: EvaluationGenerationsOptions): TrainerCallback {
  const { model, tokenizer, generation, events } = options;
  const prompts = generation.prompts ?? [];
  const generator = new TextGenerator(model, tokenizer);
  const settings = resolveGeneration(generation, options.generationFile, model.hf.rawConfig as HfGenerationFile, options.seed);
  return {
    onEvaluate: async ({ state }) => {
      if (prompts.length === 0) return;
      const samples: GenerationSample[] = [];
      for (const prompt of prompts) {
        const ids = options.chat ? generator.chatPromptIds([{ role: 'user', content: prompt }]) : generator.textPromptIds(prompt);
        const completion = await generator.generate(ids, settings);
        samples.push({ prompt, completion: completion.text, tokens: completion.tokens, finish: completion.finish });
      }
      events.emit({ type: 'generations', time: Date.now(), step: state.globalStep, epoch: state.epoch, decoding: describeDecoding(settings.sampling), samples });
    },
  };
}
