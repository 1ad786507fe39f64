import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../../config/schema';
import { FunctionalModel } from '../functional-model';
import { DropoutContext } from '../ops';
import type { WeightStore } from '../weights';
import type { DecoderConfig } from './decoder-config';
import type { DecodeOptions, DecodeResult, DecoderNetwork } from './decoders';
import { peftParameterCounts, type LoraAdapters } from './lora';

export interface HfDecoderInfo {
  checkpoint: DecoderConfig;
  /** config.json as read (plus overrides): saving writes it back with architectures updated. */
  rawConfig: Record<string, unknown>;
  /** Where the checkpoint came from: its tokenizer files and generation_config.json are copied on save. */
  sourceDir: string;
  /** torch Linear weights, held as [in, out] here and stored [out, in] in files (not GPT-2's Conv1D). */
  transposedOnDisk: ReadonlySet<string>;
  modelConfig?: ModelConfig;
  /** What adapter_config.json names as the base: the Hub id or the folder the run started from. */
  baseModelName?: string;
}

/**
 * A transformers decoder with its LM head (`*ForCausalLM`, `GPT2LMHeadModel`): the Trainer sees logits
 * [batch, length, vocab] over input_ids (and attention_mask); generation calls `decode` with a KV cache.
 */
export class HfCausalLmModel extends FunctionalModel {
  readonly hf: HfDecoderInfo;
  readonly transposedOnDisk: ReadonlySet<string>;
  /** HF's `_loss_shifts_labels`: the loss predicts labels[t + 1] at position t, and counts labels[..., 1:]. */
  readonly lossShiftsLabels = true;
  /** LoRA adapters when the run fine-tunes with `peft:` (or from an adapter folder). */
  readonly lora?: LoraAdapters;
  /** A holder the forward body reads (made before super(), which cannot see `this`). */
  private readonly flags: { checkpointing: boolean };

  constructor(
    private readonly network: DecoderNetwork,
    store: WeightStore,
    seed: number,
    info: HfDecoderInfo,
    lora?: LoraAdapters,
  ) {
    const vocab = info.checkpoint.vocabSize;
    const flags = { checkpointing: false };
    super(
      {
        architecture: info.checkpoint.modelType,
        inputNames: ['input_ids', 'attention_mask', 'position_ids'],
        optionalInputs: ['attention_mask', 'position_ids'],
        numLabels: vocab,
        body: (inputs, dropout) => network.decode(inputs, dropout, { returnCache: false, checkpoint: flags.checkpointing }).logits,
      },
      store,
      seed,
      info.modelConfig ?? ({} as ModelConfig),
      { numLabels: vocab, vocabSize: vocab },
    );
    this.flags = flags;
    this.hf = info;
    this.transposedOnDisk = info.transposedOnDisk;
    this.lora = lora;
  }

  /** Whether the model carries LoRA adapters that are not merged: it saves as a PEFT adapter. */
  get isPeft(): boolean {
    return this.lora !== undefined && !this.lora.isMerged;
  }

  /** transformers' gradient_checkpointing_enable(): training passes recompute each block in backward. */
  enableGradientCheckpointing(enabled = true): void {
    this.flags.checkpointing = enabled;
  }

  get gradientCheckpointing(): boolean {
    return this.flags.checkpointing;
  }

  /**
   * Inference forward over new tokens with a KV cache (see decoders.ts for the inputs): returns
   * `{ logits, cache }`, new tensors the caller disposes (the `past` given is left as it is).
   */
  decode(inputs: Record<string, tf.Tensor>, options: DecodeOptions = {}): Required<DecodeResult> {
    // tidy keeps what is returned: the logits and the new cache's keys and values.
    const kept = tf.tidy(() => {
      const { logits, cache } = this.network.decode(inputs, new DropoutContext(false, 0), { ...options, returnCache: true }) as Required<DecodeResult>;
      return [logits, ...cache.layers.flatMap((layer) => [layer.key, layer.value])];
    });
    const [logits, ...kv] = kept;
    const layers = Array.from({ length: kv.length / 2 }, (_, i) => ({ key: kv[2 * i], value: kv[2 * i + 1] }));
    const pastLength = options.past?.length ?? 0;
    return { logits, cache: { layers, length: pastLength + (inputs.input_ids.shape[1] as number) } };
  }

  /** Parameters in total and trainable, as PEFT's get_nb_trainable_parameters counts them. */
  parameterCounts(): { total: number; trainable: number } {
    return peftParameterCounts(this.weights(), this.isPeft ? this.lora : undefined);
  }
}
