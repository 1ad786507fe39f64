/**
 * The memory plan request of a trainer config: batch, accumulation, optimizer, gradient
 * checkpointing and LoRA read from the config, parameters from config.json (before any weight is
 * read) or from the built model. Pure, shared by the run and the language server.
 */
import type { TrainerConfig } from '../../config/schema';
import type { MemoryLimit, ParameterSummary } from './estimate';
import { LORA_DEFAULT_TARGETS, parametersFromShape, planRun, type PlanRequest, type PlanResult } from './plan';
import type { TransformerShape } from './shape';

/** `peft:` as the LoRA issue names its fields; read loosely so the plan works before and after that key exists. */
export function loraSettings(config: TrainerConfig, modelType: string): { r: number; targetModules: string[] } | undefined {
  const raw = (config as unknown as Record<string, unknown>).peft ?? (config.model as unknown as Record<string, unknown>).peft;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const peft = raw as Record<string, unknown>;
  const r = typeof peft.r === 'number' && peft.r > 0 ? peft.r : 8;
  const targets = peft.target_modules;
  const targetModules = Array.isArray(targets)
    ? targets.filter((t): t is string => typeof t === 'string')
    : typeof targets === 'string' && targets !== 'all-linear'
      ? [targets]
      : targets === 'all-linear'
        ? ['all-linear']
        : (LORA_DEFAULT_TARGETS[modelType] ?? []);
  return { r, targetModules };
}


export interface ConfigPlanInput {
  config: TrainerConfig;
  shape: TransformerShape;
  seqLength: number;
  limit: MemoryLimit;
  alternatives: readonly MemoryLimit[];
  /** The built model's counts; without it they come from config.json and the config. */
  parameters?: ParameterSummary;
  /** Training drops out with the checkpoint's rates unless overridden to 0. */
  dropout?: boolean;
}

export function planConfig(input: ConfigPlanInput): PlanResult {
  const { config, shape } = input;
  const args = config.training_args;
  const lora = loraSettings(config, shape.modelType);
  const expandedLora = lora && lora.targetModules[0] === 'all-linear' ? { ...lora, targetModules: allLinearTargets(shape) } : lora;
  const parameters = input.parameters ?? parametersFromShape(shape, { freeze: config.model.freeze, ...(expandedLora ? { lora: expandedLora } : {}) });
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

/** PEFT's `all-linear`: every Linear of the blocks (not the output layer). */
function allLinearTargets(shape: TransformerShape): string[] {
  return shape.block === 'post-ln-encoder'
    ? shape.modelType === 'distilbert'
      ? ['q_lin', 'k_lin', 'v_lin', 'out_lin', 'lin1', 'lin2']
      : ['query', 'key', 'value', 'dense']
    : shape.modelType === 'gpt2'
      ? ['c_attn', 'c_proj', 'c_fc']
      : ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
}
