/**
 * The memory plan of a run and, when it does not fit, what would: LoRA, a smaller batch with more
 * gradient accumulation (the same effective batch), gradient checkpointing, another backend.
 * Pure: the run and the language server both call it, so they say the same thing.
 */
import { isFrozen } from '../models/freeze';
import { estimateMemory, formatGB, TOKEN_EMBEDDING, formatPlan, type MemoryLimit, type MemoryPlan, type ParameterSummary, type StepShape } from './estimate';
import { LORA_DEFAULT_TARGETS, moduleToSaveOf, SEQ_CLS_HEAD_NAMES, selectTargets, type LoraSettings } from '../models/hf/peft-config';
import { linearModules, parameterTable, type TransformerShape } from './shape';

export interface PlanRequest {
  shape?: TransformerShape;
  parameters: ParameterSummary;
  /** Activation bytes of a model no TransformerShape describes (the built-in architectures). */
  activationBytesAt?: (batchSize: number) => number;
  optim: string;
  optimArgs?: string;
  batchSize: number;
  seqLength: number;
  gradientAccumulationSteps: number;
  gradientCheckpointing: boolean;
  /** Training with the checkpoint's dropout rates. */
  dropout: boolean;
  /** LoRA adapters are configured (the LoRA suggestion is then not made). */
  lora: boolean;
  limit: MemoryLimit;
  /** Other backends the run could use, with their limits (machine memory for cpu/tensorflow). */
  alternatives: readonly MemoryLimit[];
}

export type Suggestion =
  | { kind: 'lora'; r: number; targetModules: string[]; plan: MemoryPlan }
  | { kind: 'batch'; batchSize: number; gradientAccumulationSteps: number; plan: MemoryPlan }
  | { kind: 'gradient-checkpointing'; plan: MemoryPlan }
  | { kind: 'backend'; backend: string; plan: MemoryPlan };

export interface PlanResult {
  plan: MemoryPlan;
  /** Ways to fit, each with its own plan; empty when the plan fits. */
  suggestions: Suggestion[];
}

/** A rank suggested for a run that does not fit: PEFT's default r. */
export const SUGGESTED_LORA_RANK = 8;

/** What the plan needs of a LoRA config: PEFT's fields (resolveLora fills the defaults). */
export type PlanLora = Pick<LoraSettings, 'r' | 'targetModules'> & Partial<Pick<LoraSettings, 'modulesToSave' | 'bias'>>;

/** The output head `all-linear` leaves out, as the loaders name it. */
export function outputHeads(shape: TransformerShape): string[] {
  return shape.head === 'causal-lm' ? ['lm_head'] : ['classifier', 'score', 'classifier.out_proj'];
}

/**
 * Parameters of a transformers model from its config alone: `model.freeze` patterns matched on
 * transformers' names. With LoRA, PEFT's rules: the adapters (r·(in + out) per targeted Linear, as
 * PEFT's check_target_module_exists picks them), modules_to_save (the classification head for
 * SEQ_CLS by default) and the biases `bias` names are trainable; everything else is frozen.
 */
export function parametersFromShape(shape: TransformerShape, options: { freeze?: readonly string[]; lora?: PlanLora } = {}): ParameterSummary {
  const table = parameterTable(shape);
  const frozen = (name: string) => isFrozen(name, options.freeze ?? []);
  const lora = options.lora ? { modulesToSave: shape.head === 'causal-lm' ? [] : [...SEQ_CLS_HEAD_NAMES], bias: 'none' as const, ...options.lora } : undefined;
  const targets = lora ? linearModules(shape).filter((m) => selectTargets(lora, [m.name], outputHeads(shape)).length > 0) : [];
  const targetBiases = new Set(targets.map((m) => `${m.name}.bias`));
  const loraTrains = (name: string) =>
    lora !== undefined && (moduleToSaveOf(lora, name) !== undefined || (name.endsWith('.bias') && (lora.bias === 'all' || (lora.bias === 'lora_only' && targetBiases.has(name)))));
  let total = 0;
  let trainable = 0;
  let largest = 0;
  let largestTrainable = 0;
  let embeddingTrainable = false;
  for (const { name, size } of table) {
    total += size;
    largest = Math.max(largest, size);
    const trains = lora ? loraTrains(name) : !frozen(name);
    if (trains && TOKEN_EMBEDDING.test(name)) embeddingTrainable = true;
    if (trains) {
      trainable += size;
      largestTrainable = Math.max(largestTrainable, size);
    }
  }
  for (const module of lora ? targets : []) {
    const adapter = (lora as PlanLora).r * (module.inDim + module.outDim);
    total += adapter;
    trainable += adapter;
    largestTrainable = Math.max(largestTrainable, (lora as PlanLora).r * Math.max(module.inDim, module.outDim));
  }
  return { total, trainable, largest, largestTrainable, embeddingTrainable };
}

function planFor(request: PlanRequest, changes: Partial<Pick<PlanRequest, 'parameters' | 'batchSize' | 'gradientAccumulationSteps' | 'gradientCheckpointing' | 'limit'>>): MemoryPlan {
  const r = { ...request, ...changes };
  const step: StepShape = { batchSize: r.batchSize, seqLength: r.seqLength, dropout: r.dropout, gradientCheckpointing: r.gradientCheckpointing, embeddingTrainable: r.parameters.embeddingTrainable, fusedKernels: r.limit.fusedKernels === true };
  return estimateMemory({
    parameters: r.parameters,
    optim: r.optim,
    optimArgs: r.optimArgs,
    shape: r.shape,
    activationOverride: r.shape ? undefined : r.activationBytesAt?.(r.batchSize),
    step,
    gradientAccumulationSteps: r.gradientAccumulationSteps,
    limit: r.limit,
  });
}

/** The plan, and when it does not fit, the suggestions that do (each checked with its own plan). */
export function planRun(request: PlanRequest): PlanResult {
  const plan = planFor(request, {});
  if (plan.fits) return { plan, suggestions: [] };
  const suggestions: Suggestion[] = [];
  const targets = request.shape ? LORA_DEFAULT_TARGETS[request.shape.modelType] : undefined;
  if (!request.lora && request.shape && targets) {
    const parameters = parametersFromShape(request.shape, { lora: { r: SUGGESTED_LORA_RANK, targetModules: targets } });
    const lora = planFor(request, { parameters });
    if (lora.fits) suggestions.push({ kind: 'lora', r: SUGGESTED_LORA_RANK, targetModules: [...targets], plan: lora });
  }
  const batch = smallerBatch(request);
  if (batch) suggestions.push(batch);
  if (request.shape && supportsCheckpointing(request.shape) && !request.gradientCheckpointing) {
    const checkpointed = planFor(request, { gradientCheckpointing: true });
    if (checkpointed.fits) suggestions.push({ kind: 'gradient-checkpointing', plan: checkpointed });
  }
  for (const limit of request.alternatives) {
    if (limit.backend === request.limit.backend) continue;
    const other = planFor(request, { limit });
    if (other.fits) suggestions.push({ kind: 'backend', backend: limit.backend, plan: other });
  }
  return { plan, suggestions };
}

/**
 * The largest micro-batch that fits, and the accumulation that keeps the effective batch
 * (per_device_train_batch_size × gradient_accumulation_steps): a divisor of it when one is at
 * least half the largest that fits, else the largest with the accumulation rounded up. A batch
 * that fits without the limit's caution is preferred (on pure wasm, 3.8 GB "fits" 4 GiB and aborts).
 */
function smallerBatch(request: PlanRequest): Suggestion | undefined {
  const effective = request.batchSize * request.gradientAccumulationSteps;
  const fitsAt = (batchSize: number, accumulation: number) => planFor(request, { batchSize, gradientAccumulationSteps: accumulation });
  const largestWhere = (ok: (plan: MemoryPlan) => boolean) => {
    for (let b = request.batchSize - 1; b >= 1; b--) if (ok(fitsAt(b, Math.ceil(effective / b)))) return b;
    return 0;
  };
  const largest = largestWhere((p) => p.fits && p.caution === undefined) || largestWhere((p) => p.fits);
  if (largest === 0) return undefined;
  let batchSize = largest;
  for (let b = largest; b >= Math.ceil(largest / 2); b--) {
    if (effective % b === 0) {
      batchSize = b;
      break;
    }
  }
  const accumulation = Math.ceil(effective / batchSize);
  return { kind: 'batch', batchSize, gradientAccumulationSteps: accumulation, plan: fitsAt(batchSize, accumulation) };
}

/** Gradient checkpointing recomputes decoder blocks (models/hf/checkpointing.ts); the encoders keep every activation. */
export function supportsCheckpointing(shape: TransformerShape): boolean {
  return shape.block !== 'post-ln-encoder';
}

/** One line per suggestion, with its estimate. */
export function describeSuggestion(s: Suggestion): string {
  const total = `${formatGB(s.plan.total)} GB of ${s.plan.limit.label}`;
  switch (s.kind) {
    case 'lora':
      return `LoRA (peft: r ${s.r}, target_modules ${s.targetModules.join(', ')}): ${total}`;
    case 'batch':
      return `per_device_train_batch_size: ${s.batchSize} with gradient_accumulation_steps: ${s.gradientAccumulationSteps} (the same effective batch): ${total}`;
    case 'gradient-checkpointing':
      return `gradient_checkpointing: true (recomputes each block in the backward pass): ${total}`;
    case 'backend':
      return `backend: ${s.backend}: ${total}`;
  }
}

/** The refusal: what does not fit, and what would. */
export function describeRefusal(result: PlanResult, subject: string): string {
  const { plan } = result;
  // Over the whole limit, the plan line says it all; over a per-tensor limit, say which tensor.
  const why = plan.overflow && plan.total <= plan.limit.bytes ? `; ${plan.overflow}` : '';
  const lines = [`${subject} does not fit: ${formatPlan(plan)}${why}.`];
  if (result.suggestions.length > 0) lines.push('What would fit:', ...result.suggestions.map((s) => `  - ${describeSuggestion(s)}`));
  else lines.push('No single change found that fits; use a smaller model or a backend with more memory.');
  return lines.join('\n');
}
