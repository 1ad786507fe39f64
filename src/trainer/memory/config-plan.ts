/**
 * The memory plan request of a trainer config: batch, accumulation, optimizer, gradient
 * checkpointing and LoRA read from the config, parameters from config.json (before any weight is
 * read) or from the built model. Pure, shared by the run and the language server.
 */
import type { TrainerConfig } from '../../config/schema';
import type { MemoryLimit, ParameterSummary } from './estimate';
import { resolveLora } from '../models/hf/peft-config';
import { parametersFromShape, planRun, type PlanLora, type PlanRequest, type PlanResult } from './plan';
import type { TransformerShape } from './shape';

/**
 * `peft:` resolved as the run resolves it (PEFT's defaults per model_type, CAUSAL_LM for decoders,
 * SEQ_CLS for encoders); undefined without `peft:` or when PEFT has no default targets (the run says so).
 */
export function planLora(peft: TrainerConfig['peft'], shape: TransformerShape): PlanLora | undefined {
  if (!peft) return undefined;
  try {
    return resolveLora(peft, shape.modelType, shape.head === 'causal-lm' ? 'CAUSAL_LM' : 'SEQ_CLS', 'peft');
  } catch {
    return undefined;
  }
}

export interface ConfigPlanInput {
  config: TrainerConfig;
  shape: TransformerShape;
  seqLength: number;
  limit: MemoryLimit;
  alternatives: readonly MemoryLimit[];
  /** The built model's counts; without it they come from config.json and the config. */
  parameters?: ParameterSummary;
  /** An adapter folder's LoRA config, when the run continues one (else `config.peft`). */
  peft?: TrainerConfig['peft'];
  /** Training drops out with the checkpoint's rates unless overridden to 0. */
  dropout?: boolean;
}

export function planConfig(input: ConfigPlanInput): PlanResult {
  const { config, shape } = input;
  const args = config.training_args;
  const lora = planLora(input.peft ?? config.peft, shape);
  const parameters = input.parameters ?? parametersFromShape(shape, { freeze: config.model.freeze, ...(lora ? { lora } : {}) });
  const request: PlanRequest = {
    shape,
    parameters,
    optim: args.optim,
    optimArgs: args.optim_args,
    batchSize: args.per_device_train_batch_size,
    seqLength: input.seqLength,
    gradientAccumulationSteps: args.gradient_accumulation_steps,
    gradientCheckpointing: args.gradient_checkpointing === true,
    dropout: input.dropout ?? true,
    lora: lora !== undefined,
    limit: input.limit,
    alternatives: input.alternatives,
  };
  return planRun(request);
}
