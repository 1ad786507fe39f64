/**
 * The task a transformers config.json is fine-tuned for: `model.task` when set, else its `architectures`
 * (`*ForCausalLM`, `*LMHeadModel` are causal-lm), else a decoder `model_type` without architectures is
 * causal-lm, anything else sequence-classification. Pure: the trainer and the editor both read it.
 */
import { isDecoderModelType } from '../trainer/models/hf/decoder-config';

export type CheckpointTask = 'causal-lm' | 'sequence-classification';

export function checkpointTask(json: Record<string, unknown>, configured?: string): CheckpointTask {
  if (configured === 'causal-lm' || configured === 'sequence-classification') return configured;
  const architectures = Array.isArray(json.architectures) ? json.architectures.filter((a): a is string => typeof a === 'string') : [];
  if (architectures.some((a) => /ForCausalLM$|LMHeadModel$/.test(a))) return 'causal-lm';
  if (architectures.length === 0 && isDecoderModelType(json.model_type)) return 'causal-lm';
  return 'sequence-classification';
}
