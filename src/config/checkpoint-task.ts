/**
 * The task a transformers config.json is fine-tuned for: `model.task` when set, else its `architectures`
 * (`*ForCausalLM`, `*LMHeadModel` are causal-lm), else a decoder `model_type` without architectures is
 * causal-lm, anything else sequence-classification. Pure: the trainer and the editor both read it.
 */
import { DECODER_MODEL_TYPES, isDecoderModelType } from '../trainer/models/hf/decoder-config';

export type CheckpointTask = 'causal-lm' | 'sequence-classification';

export function checkpointTask(json: Record<string, unknown>, configured?: string): CheckpointTask {
  if (configured === 'causal-lm' || configured === 'sequence-classification') return configured;
  const architectures = Array.isArray(json.architectures) ? json.architectures.filter((a): a is string => typeof a === 'string') : [];
  if (architectures.some((a) => /ForCausalLM$|LMHeadModel$/.test(a))) return 'causal-lm';
  if (architectures.length === 0 && isDecoderModelType(json.model_type)) return 'causal-lm';
  return 'sequence-classification';
}

/**
 * `checkpointTask`, checked: throws (naming `source`) for a task the model_type cannot do here, so a
 * run refuses it before any weight is read.
 */
export function checkedCheckpointTask(json: Record<string, unknown>, configured: string | undefined, source: string): CheckpointTask {
  const task = checkpointTask(json, configured);
  const decoder = isDecoderModelType(json.model_type);
  if (task === 'causal-lm' && !decoder) {
    throw new Error(`${source}: model.task causal-lm needs a decoder (model_type ${DECODER_MODEL_TYPES.join(', ')}); "${String(json.model_type)}" is trained for sequence classification`);
  }
  if (task === 'sequence-classification' && decoder) {
    const architectures = Array.isArray(json.architectures) ? json.architectures.join(', ') : '';
    throw new Error(`${source}: sequence classification on ${String(json.model_type)} (${architectures || 'model.task'}) is not available; train it as a language model (model.task: causal-lm)`);
  }
  return task;
}
