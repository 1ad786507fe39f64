/**
 * PEFT's LoraConfig resolved for one checkpoint: the defaults per model_type, the target-module and
 * modules_to_save matching rules, and adapter_config.json. Knows no tfjs and no files, so the
 * language server uses it too.
 */
import type { PeftConfig } from '../../../config/schema';
export { formatTrainableParameters } from '../../../protocol/parameters';

/** PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING (peft 0.21) for the model types built here. */
export const LORA_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = {
  bert: ['query', 'value'],
  roberta: ['query', 'value'],
  'xlm-roberta': ['query', 'value'],
  electra: ['query', 'value'],
  // PEFT has no entry for distilbert (get_peft_model asks for target_modules); these are its q/v projections.
  distilbert: ['q_lin', 'v_lin'],
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  mistral: ['q_proj', 'v_proj'],
};

/** Model types whose linear layers are GPT-2's Conv1D (weight stored [in, out]): PEFT's fan_in_fan_out. */
const CONV1D_MODEL_TYPES = new Set(['gpt2']);

/** PEFT's SEQ_CLS_HEAD_NAMES: added to modules_to_save for sequence classification. */
export const SEQ_CLS_HEAD_NAMES = ['classifier', 'score'] as const;

/** PEFT's INCLUDE_LINEAR_LAYERS_SHORTHAND. */
export const ALL_LINEAR = 'all-linear';

export type PeftTaskType = 'SEQ_CLS' | 'CAUSAL_LM';

/** A LoRA configuration with every default filled in for one checkpoint. */
export interface LoraSettings {
  modelType: string;
  taskType: PeftTaskType;
  r: number;
  loraAlpha: number;
  loraDropout: number;
  /** As configured: a list of names, a regex, or `all-linear`. */
  targetModules: readonly string[] | string;
  bias: 'none' | 'all' | 'lora_only';
  /** Configured modules_to_save plus the task's head names (SEQ_CLS). */
  modulesToSave: readonly string[];
  useRslora: boolean;
  initLoraWeights: boolean | 'gaussian';
  fanInFanOut: boolean;
  /** α/r, or α/√r with rsLoRA. */
  scaling: number;
}

/** Fills PEFT's defaults; `source` prefixes errors (e.g. the config file). */
export function resolveLora(peft: Partial<PeftConfig>, modelType: string, defaultTask: PeftTaskType, source: string): LoraSettings {
  const targetModules = peft.target_modules ?? LORA_DEFAULT_TARGETS[modelType];
  if (targetModules === undefined) {
    throw new Error(`${source}: peft.target_modules is needed: PEFT has no default target modules for model_type "${modelType}"; name the linear layers to adapt, or use all-linear`);
  }
  const r = peft.r ?? 8;
  const loraAlpha = peft.lora_alpha ?? 8;
  const useRslora = peft.use_rslora ?? false;
  const taskType = peft.task_type ?? defaultTask;
  const configured = peft.modules_to_save ?? [];
  const modulesToSave = taskType === 'SEQ_CLS' ? [...configured, ...SEQ_CLS_HEAD_NAMES.filter((name) => !configured.includes(name))] : [...configured];
  return {
    modelType,
    taskType,
    r,
    loraAlpha,
    loraDropout: peft.lora_dropout ?? 0,
    targetModules,
    bias: peft.bias ?? 'none',
    modulesToSave,
    useRslora,
    initLoraWeights: peft.init_lora_weights ?? true,
    fanInFanOut: peft.fan_in_fan_out ?? CONV1D_MODEL_TYPES.has(modelType),
    scaling: useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * PEFT's check for modules_to_save inside check_target_module_exists: a module in (or under) a
 * module to save never gets an adapter.
 */
function underModuleToSave(settings: Pick<LoraSettings, 'modulesToSave'>, moduleName: string): boolean {
  return settings.modulesToSave.some((m) => new RegExp(`(^|.*\\.)${escapeRegExp(m)}($|\\..*)`).test(moduleName));
}

/** Whether a regex target is valid; the message names the problem. */
export function targetRegexError(pattern: string): string | undefined {
  try {
    new RegExp(`^(?:${pattern})$`);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The linear modules that get adapters, as PEFT's check_target_module_exists picks them: a list entry
 * equals the name or is its last dotted part(s); a string is a full-match regex; `all-linear` is every
 * linear layer but the output head (`lm_head`, or the classification head for SEQ_CLS).
 */
export function selectTargets(settings: Pick<LoraSettings, 'targetModules' | 'modulesToSave'>, linearModules: readonly string[], outputHeads: readonly string[]): string[] {
  const targets = settings.targetModules;
  let matches: (name: string) => boolean;
  if (typeof targets === 'string' && targets.toLowerCase() === ALL_LINEAR) {
    matches = (name) => !outputHeads.includes(name);
  } else if (typeof targets === 'string') {
    const regex = new RegExp(`^(?:${targets})$`);
    matches = (name) => regex.test(name);
  } else {
    matches = (name) => targets.some((t) => name === t || name.endsWith(`.${t}`));
  }
  // A module trained in full (distilbert's pre_classifier ends with `classifier`) gets no adapter either.
  return linearModules.filter((name) => matches(name) && !underModuleToSave(settings, name) && moduleToSaveOf(settings, `${name}.weight`) === undefined);
}

/**
 * The outermost module (a dotted prefix of `weightName`) that a modules_to_save entry names, as
 * PEFT's _set_trainable matches it (`key.endswith(entry)`); undefined when none does.
 */
export function moduleToSaveOf(settings: Pick<LoraSettings, 'modulesToSave'>, weightName: string): string | undefined {
  const parts = weightName.split('.');
  for (let i = 1; i < parts.length; i++) {
    const key = parts.slice(0, i).join('.');
    if (settings.modulesToSave.some((m) => key.endsWith(m))) return key;
  }
  return undefined;
}

/** adapter_config.json as PEFT 0.21's LoraConfig.save_pretrained writes it (the fields that matter for LoRA). */
export function adapterConfigJson(settings: LoraSettings, targets: readonly string[], baseModel: string): Record<string, unknown> {
  const configured = settings.targetModules;
  // PEFT writes the resolved names for all-linear and keeps a list or a regex as given.
  const targetModules = typeof configured === 'string' && configured.toLowerCase() === ALL_LINEAR ? [...targets].sort() : configured;
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: settings.bias,
    exclude_modules: null,
    fan_in_fan_out: settings.fanInFanOut,
    inference_mode: true,
    init_lora_weights: settings.initLoraWeights,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: settings.loraAlpha,
    lora_bias: false,
    lora_dropout: settings.loraDropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: settings.modulesToSave.length > 0 ? [...settings.modulesToSave] : null,
    peft_type: 'LORA',
    r: settings.r,
    rank_pattern: {},
    revision: null,
    target_modules: targetModules,
    task_type: settings.taskType,
    use_dora: false,
    use_rslora: settings.useRslora,
  };
}

/** The LoRA fields of an adapter_config.json, as a `peft:` section; errors name the file and the field. */
export function peftFromAdapterConfig(json: Record<string, unknown>, source: string): { peft: Partial<PeftConfig>; baseModel: string } {
  if (json.peft_type !== 'LORA') throw new Error(`${source}: peft_type ${JSON.stringify(json.peft_type)} is not supported; only LORA adapters load here`);
  for (const unsupported of ['use_dora', 'layer_replication', 'rank_pattern', 'alpha_pattern', 'layers_to_transform', 'exclude_modules']) {
    const value = json[unsupported];
    const off = value === undefined || value === null || value === false || (typeof value === 'object' && Object.keys(value as object).length === 0);
    if (!off) throw new Error(`${source}: "${unsupported}" is set (${JSON.stringify(value)}); adapters using it are not supported here`);
  }
  const base = json.base_model_name_or_path;
  if (typeof base !== 'string' || base.length === 0) throw new Error(`${source}: no "base_model_name_or_path"; it names the model this adapter was trained on (a folder or a Hub id)`);
  const number = (key: string): number | undefined => {
    const value = json[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${source}: "${key}" must be a number, got ${JSON.stringify(value)}`);
    return value;
  };
  const target = json.target_modules;
  if (target !== undefined && target !== null && typeof target !== 'string' && !(Array.isArray(target) && target.every((t) => typeof t === 'string'))) {
    throw new Error(`${source}: "target_modules" must be a list of names or a regex, got ${JSON.stringify(target)}`);
  }
  const task = json.task_type;
  const modules = json.modules_to_save;
  const init = json.init_lora_weights;
  const peft: Partial<PeftConfig> = {
    peft_type: 'LORA',
    ...(task === 'SEQ_CLS' || task === 'CAUSAL_LM' ? { task_type: task } : {}),
    ...(number('r') !== undefined ? { r: number('r') } : {}),
    ...(number('lora_alpha') !== undefined ? { lora_alpha: number('lora_alpha') } : {}),
    ...(number('lora_dropout') !== undefined ? { lora_dropout: number('lora_dropout') } : {}),
    ...(target ? { target_modules: target as string | string[] } : {}),
    ...(json.bias === 'none' || json.bias === 'all' || json.bias === 'lora_only' ? { bias: json.bias } : {}),
    ...(Array.isArray(modules) ? { modules_to_save: modules.filter((m): m is string => typeof m === 'string') } : {}),
    use_rslora: json.use_rslora === true,
    ...(typeof init === 'boolean' || init === 'gaussian' ? { init_lora_weights: init } : {}),
    ...(typeof json.fan_in_fan_out === 'boolean' ? { fan_in_fan_out: json.fan_in_fan_out } : {}),
  };
  return { peft, baseModel: base };
}
