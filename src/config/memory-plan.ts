/**
 * The memory plan the editor can make from a config: the `from_pretrained` folder's config.json
 * (no weights are read), the batch, accumulation, optimizer, LoRA and checkpointing settings, and
 * the backend's limit. The run makes the same plan (src/trainer/memory/config-plan.ts), with the
 * longest tokenized row instead of max_length and the backend it actually started.
 */
import { BYTES_PER_VALUE, formatGB, formatPlan, type MemoryLimit } from '../trainer/memory/estimate';
import { causalMaxLength } from '../trainer/data/causal/max-length';
import { planConfig } from '../trainer/memory/config-plan';
import { alternativeLimits, machineLimit, wasmLimit } from '../trainer/memory/limits';
import type { PlanResult } from '../trainer/memory/plan';
import { isPlannedModelType, transformerShape, type TransformerShape } from '../trainer/memory/shape';
import type { ConfigHost } from './host';
import type { TrainerConfig } from './schema';

export interface EditorPlan {
  result: PlanResult;
  shape: TransformerShape;
  seqLength: number;
  /** `backend: auto` is planned against the wasm heap, the backend it falls back to. */
  assumedBackend: boolean;
}

/** The plan for a config whose `model.from_pretrained` folder holds a transformers config.json; else undefined. */
export function editorMemoryPlan(config: TrainerConfig, fileName: string, host: ConfigHost): EditorPlan | undefined {
  const value = config.model.from_pretrained;
  if (typeof value !== 'string') return undefined;
  const folder = host.resolvePath(fileName, value).replace(/[\\/]+$/, '');
  const json = readJson(host, `${folder}/config.json`);
  if (!json || !isPlannedModelType(json.model_type) || 'finetune_studio' in json) return undefined;
  let shape: TransformerShape;
  try {
    shape = transformerShape(json, `${value}/config.json`);
  } catch {
    return undefined; // FTS230 and the loader say what is wrong with config.json
  }
  const tokenizerMax = readJson(host, `${folder}/tokenizer_config.json`)?.model_max_length;
  const positions = shape.maxPositions;
  const tokenizerLimit = typeof tokenizerMax === 'number' ? tokenizerMax : undefined;
  const seqLength =
    shape.head === 'causal-lm'
      ? causalMaxLength(config.model.max_length, tokenizerLimit, positions)
      : (config.model.max_length ?? (tokenizerLimit !== undefined && tokenizerLimit < positions ? tokenizerLimit : positions));
  const machine = host.machineMemoryBytes?.();
  const limit = limitFor(config.backend, machine, host.nativeFusedKernels?.() === true);
  if (!limit) return undefined;
  const alternatives = machine === undefined ? [] : alternativeLimits(false, machine);
  return { result: planConfig({ config, shape, seqLength, limit, alternatives }), shape, seqLength, assumedBackend: config.backend === 'auto' };
}

function limitFor(backend: TrainerConfig['backend'], machine: number | undefined, fusedKernels: boolean): MemoryLimit | undefined {
  if (backend === 'wasm' || backend === 'auto') return wasmLimit(fusedKernels);
  return machine === undefined ? undefined : machineLimit(backend, machine);
}

function readJson(host: ConfigHost, path: string): Record<string, unknown> | undefined {
  const text = host.readTextHead(path, 1 << 20);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The hover's Markdown: the plan line, what it assumes, and whether it fits. */
export function memoryPlanMarkdown(plan: EditorPlan): string {
  const { result } = plan;
  const lines = [`**Memory plan** (one training step): ${formatPlan(result.plan)}`];
  const notes = [`sequence ${plan.seqLength} = max_length (the run uses the longest tokenized row or packed block, at most this)`];
  if (plan.shape.head === 'causal-lm') {
    const { batchSize, seqLength } = result.plan;
    notes.push(`logits [${batchSize}, ${seqLength}, ${plan.shape.vocabSize}]: ${formatGB(BYTES_PER_VALUE * batchSize * seqLength * plan.shape.vocabSize)} GB a copy, several kept for the backward pass`);
  }
  if (plan.assumedBackend) notes.push('`backend: auto` planned against wasm, the backend it falls back to');
  if (result.plan.limit.backend === 'wasm') notes.push(result.plan.limit.fusedKernels ? "activations of the native addon's fused kernels" : 'activations of the pure wasm kernels (no native addon here, or FTS_NATIVE=0)');
  lines.push(notes.join(' · '));
  lines.push(result.plan.fits ? (result.plan.caution ? `Fits, but ${result.plan.caution}` : 'Fits.') : `Does not fit${result.plan.overflow && result.plan.total <= result.plan.limit.bytes ? `: ${result.plan.overflow}` : ''}; the run will refuse to start (quick fixes on the warning).`);
  return lines.join('\n\n');
}
