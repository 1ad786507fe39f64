/**
 * Cross-field rules: what Hugging Face checks only at run time (or not at all), checked before a
 * run, the same way in the Trainer, the CLI and the editor. Each rule has a code in RULES.
 */
import { insertPropertyAfterEdit, replaceValueEdit } from './edits';
import type { ConfigHost } from './host';
import type { ParsedConfig } from './parsed';
import type { Range } from './position';
import type { Problem, ProblemFix, TextEdit } from './problems';
import { computedMetricKeys, computeTotalSteps, effectiveEvalSteps, isRegression, resolveLossName, resolveMetricNames, resolveReportTo, SUPPORTED_REPORT_INTEGRATIONS } from './resolve';
import { ruleInfo, type RuleCode } from './rules-table';
import type { TrainerConfig } from './schema';
import { closestMatch } from './suggest';
import { columnsFromHead, COLUMN_HEAD_BYTES, labelNamesFromHead } from './data-columns';
import { detectCausalFormat, foreignCausalShape } from './causal-data';
import { checkedCheckpointTask, checkpointTask } from './checkpoint-task';
import { linearModuleNames, readEncoderConfig, SUPPORTED_MODEL_TYPES, usablePositions } from '../trainer/models/hf/config';
import { resolveLora, selectTargets, targetRegexError } from '../trainer/models/hf/peft-config';
import { DECODER_MODEL_TYPES, decoderLinearModuleNames, isDecoderModelType, readDecoderConfig } from '../trainer/models/hf/decoder-config';
import { unknownFormatMessage } from './data-formats';
import { editorMemoryPlan } from './memory-plan';
import { describeSuggestion, type Suggestion } from '../trainer/memory/plan';
import { formatPlan } from '../trainer/memory/estimate';
import { TrainerConfigSchema } from './schema';
import { getProperty, type ObjectNode, type PropertyNode, type ScalarValue } from './tree';

/** What a rule sees: the config with defaults, where keys were written, and which values were rejected. */
export interface RuleContext {
  parsed: ParsedConfig;
  config: TrainerConfig;
  host: ConfigHost;
  /** False when any of these dot paths (or a parent) holds a rejected value: the rule then stays quiet. */
  usable(...paths: string[]): boolean;
  /** The property written for a dot path (renamed HF keys included), if the file writes it. */
  written(path: string): PropertyNode | undefined;
}

export type CrossFieldRule = (context: RuleContext, report: (problem: Omit<Problem, 'file' | 'severity'> & { code: RuleCode }) => void) => void;

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** The key range of the first written path, else of the nearest written parent section, else the start of the file. */
function anchor(context: RuleContext, ...paths: string[]): Range {
  for (const path of paths) {
    const property = context.written(path);
    if (property) return property.keyRange;
  }
  for (const path of paths) {
    const section = path.split('.').slice(0, -1).join('.');
    const property = section ? context.written(section) ?? sectionProperty(context, section) : undefined;
    if (property) return property.keyRange;
  }
  return ZERO;
}

function sectionProperty(context: RuleContext, section: string): PropertyNode | undefined {
  return getProperty(context.parsed.root, section);
}

function valueRange(context: RuleContext, path: string): Range {
  const property = context.written(path);
  return property?.value?.range ?? anchor(context, path);
}

function parentObject(context: RuleContext, path: string): ObjectNode | undefined {
  const section = path.split('.').slice(0, -1);
  let node = context.parsed.root;
  for (const key of section) node = getProperty(node, key)?.value;
  return node?.type === 'object' ? node : undefined;
}

/** Sets `path` to `value`: replaces the written value, or inserts the key after `after` (a written sibling). */
function setValueEdit(context: RuleContext, path: string, value: ScalarValue, after: string[]): TextEdit | undefined {
  const property = context.written(path);
  if (property?.value) return replaceValueEdit(context.parsed, property.value, value);
  const parent = parentObject(context, path);
  const key = path.split('.').pop() as string;
  for (const sibling of after) {
    const anchorProperty = context.written(sibling);
    if (parent && anchorProperty && parent.properties.includes(anchorProperty)) {
      return insertPropertyAfterEdit(context.parsed, parent, anchorProperty, key, value);
    }
  }
  const last = parent?.properties[parent.properties.length - 1];
  return parent && last ? insertPropertyAfterEdit(context.parsed, parent, last, key, value) : undefined;
}

function fixOf(title: string, edit: TextEdit | undefined): ProblemFix | undefined {
  return edit ? { title, edits: [edit] } : undefined;
}

const TA = 'training_args';

const bestModelNeedsMatchingStrategies: CrossFieldRule = (context, report) => {
  const args = context.config.training_args;
  if (!context.usable(`${TA}.load_best_model_at_end`, `${TA}.eval_strategy`, `${TA}.save_strategy`) || !args.load_best_model_at_end) return;
  if (args.eval_strategy === 'no') {
    report({
      code: 'FTS200',
      range: anchor(context, `${TA}.load_best_model_at_end`),
      message: `\`load_best_model_at_end\` needs evaluations to pick the best model, but \`eval_strategy\` is \`no\`; set it to \`${args.save_strategy === 'no' ? 'epoch' : args.save_strategy}\``,
      ...optionalFix(args.save_strategy !== 'no' ? fixOf(`Set \`eval_strategy: ${args.save_strategy}\``, setValueEdit(context, `${TA}.eval_strategy`, args.save_strategy, [`${TA}.save_strategy`, `${TA}.load_best_model_at_end`])) : undefined),
    });
    return;
  }
  if (args.save_strategy !== args.eval_strategy) {
    report({
      code: 'FTS201',
      range: context.written(`${TA}.save_strategy`) ? valueRange(context, `${TA}.save_strategy`) : anchor(context, `${TA}.load_best_model_at_end`),
      message: `with \`load_best_model_at_end\`, \`save_strategy\` (\`${args.save_strategy}\`) must match \`eval_strategy\` (\`${args.eval_strategy}\`) so every evaluated model is saved`,
      ...optionalFix(fixOf(`Set \`save_strategy: ${args.eval_strategy}\``, setValueEdit(context, `${TA}.save_strategy`, args.eval_strategy, [`${TA}.eval_strategy`, `${TA}.load_best_model_at_end`]))),
    });
    return;
  }
  if (args.eval_strategy === 'steps' && context.usable(`${TA}.save_steps`, `${TA}.eval_steps`, `${TA}.logging_steps`)) {
    const evalSteps = effectiveEvalSteps(args);
    if (args.save_steps % evalSteps !== 0) {
      const rounded = Math.max(1, Math.round(args.save_steps / evalSteps)) * evalSteps;
      const evalSource = args.eval_steps == null ? ` (\`eval_steps\` defaults to \`logging_steps\`)` : '';
      report({
        code: 'FTS202',
        range: context.written(`${TA}.save_steps`) ? valueRange(context, `${TA}.save_steps`) : anchor(context, `${TA}.eval_steps`, `${TA}.logging_steps`, `${TA}.load_best_model_at_end`),
        message: `with \`load_best_model_at_end\`, \`save_steps\` (${args.save_steps}) must be a multiple of \`eval_steps\` (${evalSteps})${evalSource}; ${rounded} would be`,
        ...optionalFix(fixOf(`Set \`save_steps: ${rounded}\``, setValueEdit(context, `${TA}.save_steps`, rounded, [`${TA}.eval_steps`, `${TA}.save_strategy`, `${TA}.logging_steps`]))),
      });
    }
  }
};

function optionalFix(fix: ProblemFix | undefined): { fix?: ProblemFix } {
  return fix ? { fix } : {};
}

const metricMustBeComputed: CrossFieldRule = (context, report) => {
  const metric = context.config.training_args.metric_for_best_model;
  if (metric == null || !context.usable(`${TA}.metric_for_best_model`, 'metrics', 'model.num_labels')) return;
  const computed = computedMetricKeys(context.config);
  const bare = metric.startsWith('eval_') ? metric.slice('eval_'.length) : metric;
  if (computed.includes(bare)) return;
  const candidates = [...computed, ...computed.map((m) => `eval_${m}`)];
  const suggestion = closestMatch(metric, candidates);
  const property = context.written(`${TA}.metric_for_best_model`);
  const metricsSource = context.config.metrics === undefined ? ` (default for ${isRegression(context.config) ? 'regression' : 'classification'})` : '';
  report({
    code: 'FTS203',
    range: valueRange(context, `${TA}.metric_for_best_model`),
    message: `\`metric_for_best_model\` is \`${metric}\`, which evaluation does not compute; computed: ${computed.map((m) => `\`${m}\``).join(', ')}${metricsSource}${suggestion ? `. Did you mean \`${suggestion}\`?` : '; add it to `metrics`'}`,
    ...optionalFix(suggestion && property?.value ? fixOf(`Change to \`${suggestion}\``, replaceValueEdit(context.parsed, property.value, suggestion)) : undefined),
  });
};

const evalNeedsEvalFile: CrossFieldRule = (context, report) => {
  const { training_args: args, data } = context.config;
  // `data` is undefined when it is missing (it has a required key): check before reading it.
  if (!context.usable('data.eval_file') || data.eval_file !== undefined) return;
  if (args.eval_strategy !== 'no' && context.usable(`${TA}.eval_strategy`, 'data.eval_file')) {
    report({
      code: 'FTS204',
      range: valueRange(context, `${TA}.eval_strategy`),
      message: `\`eval_strategy\` is \`${args.eval_strategy}\` but there is no evaluation data; set \`data.eval_file\``,
    });
  }
  if (args.eval_on_start && context.usable(`${TA}.eval_on_start`, 'data.eval_file')) {
    report({
      code: 'FTS204',
      range: valueRange(context, `${TA}.eval_on_start`),
      message: '`eval_on_start` is true but there is no evaluation data; set `data.eval_file`',
    });
  }
};

const warmupBoth: CrossFieldRule = (context, report) => {
  const args = context.config.training_args;
  if (!context.written(`${TA}.warmup_steps`) || !context.written(`${TA}.warmup_ratio`)) return;
  if (!context.usable(`${TA}.warmup_steps`, `${TA}.warmup_ratio`) || args.warmup_steps <= 0 || args.warmup_ratio <= 0) return;
  report({
    code: 'FTS205',
    range: anchor(context, `${TA}.warmup_ratio`),
    message: `both \`warmup_steps\` (${args.warmup_steps}) and \`warmup_ratio\` (${args.warmup_ratio}) are set; \`warmup_steps\` wins and \`warmup_ratio\` is ignored`,
  });
};

/** `file`: the path must name a regular file (data and modules are read whole; a folder or a device is refused). */
const REFERENCED_PATHS: readonly { path: string; what: string; file?: true }[] = [
  { path: 'data.train_file', what: 'training data file', file: true },
  { path: 'data.eval_file', what: 'evaluation data file', file: true },
  { path: 'data.tokenizer', what: 'tokenizer folder' },
  { path: 'trainer', what: 'trainer module', file: true },
  { path: 'model.from_pretrained', what: 'pretrained model folder' },
];


const DATA_FILES = ['data.train_file', 'data.eval_file'] as const;

/** A data file that is there and regular: only those are read for rows and columns (a FIFO would block the read). */
function readableDataFile(context: RuleContext, resolved: string): boolean {
  if (!context.host.fileExists(resolved)) return false;
  const kind = context.host.fileKind?.(resolved);
  return kind === undefined || kind === 'file';
}

function valueAt(config: TrainerConfig, path: string): unknown {
  let value: unknown = config;
  for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

const referencedFilesExist: CrossFieldRule = (context, report) => {
  for (const { path, what, file } of REFERENCED_PATHS) {
    const relative = valueAt(context.config, path);
    if (typeof relative !== 'string' || !context.usable(path)) continue;
    const resolved = context.host.resolvePath(context.parsed.fileName, relative);
    if (context.host.fileExists(resolved)) {
      const kind = file ? context.host.fileKind?.(resolved) : undefined;
      if (kind === 'directory' || kind === 'other') {
        report({
          code: 'FTS216',
          range: valueRange(context, path),
          message: `${what} ${relative} is ${kind === 'directory' ? 'a folder' : 'not a regular file (a device, FIFO or socket: reading it could block forever)'}; name a file${resolved !== relative ? ` (resolved to ${resolved})` : ''}`,
        });
      }
      continue;
    }
    // A Hub id is not a path: hubModelInCache reports on it.
    if (path === 'model.from_pretrained' && context.host.lookupHubModel?.(relative, context.parsed.fileName)) continue;
    report({
      code: 'FTS206',
      range: valueRange(context, path),
      message: `${what} not found: ${relative} (looked for ${resolved}; paths are relative to the config file)`,
    });
  }
};

/** `model.from_pretrained: org/name[@rev]`: offline and not cached is an error, a revision the cache lacks a warning. */
const hubModelInCache: CrossFieldRule = (context, report) => {
  const value = context.config.model.from_pretrained;
  if (typeof value !== 'string' || !context.usable('model.from_pretrained')) return;
  const lookup = context.host.lookupHubModel?.(value, context.parsed.fileName);
  if (!lookup || lookup.status === 'cached') return;
  const range = valueRange(context, 'model.from_pretrained');
  if (lookup.offline) report({ code: 'FTS220', range, message: lookup.detail });
  else if (lookup.status !== 'no-repo') report({ code: 'FTS221', range, message: `${lookup.detail}; the run downloads it at start` });
};

/** A `from_pretrained` folder holding a transformers config.json: what the editor can check before a run. */
const hfCheckpointChecks: CrossFieldRule = (context, report) => {
  const value = context.config.model.from_pretrained;
  if (typeof value !== 'string' || !context.usable('model.from_pretrained')) return;
  // A path that exists wins (as in transformers); otherwise a Hub id is checked in its cached snapshot.
  const path = context.host.resolvePath(context.parsed.fileName, value);
  const cached = context.host.fileExists(path) ? undefined : context.host.lookupHubModel?.(value, context.parsed.fileName);
  const folder = (cached?.status === 'cached' && cached.folder ? cached.folder : path).replace(/[\\/]+$/, '');
  const text = context.host.readTextHead(`${folder}/config.json`, 1 << 20);
  if (text === undefined) return;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  if (typeof json.model_type !== 'string' || 'finetune_studio' in json) return;
  const range = valueRange(context, 'model.from_pretrained');
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(json.model_type) && !isDecoderModelType(json.model_type)) {
    report({ code: 'FTS230', range, message: `${value}/config.json has model_type "${json.model_type}"; supported: ${[...SUPPORTED_MODEL_TYPES, ...DECODER_MODEL_TYPES].join(', ')}` });
    return;
  }
  const has = (name: string) => context.host.fileExists(`${folder}/${name}`);
  if (!has('model.safetensors') && !has('model.safetensors.index.json') && has('pytorch_model.bin')) {
    report({
      code: 'FTS232',
      range,
      message: `${value} has only pytorch_model.bin, a pickle that can run code when loaded; convert it to model.safetensors with transformers (save_pretrained(dir, safe_serialization=True))`,
    });
  }
  const architecture = context.written('model.architecture');
  if (architecture) report({ code: 'FTS233', range: architecture.keyRange, message: `model.architecture is not used: ${value} is a ${json.model_type} checkpoint, whose config.json decides the architecture` });
  let task;
  try {
    task = checkedCheckpointTask(json, context.config.model.task, `${value}/config.json`);
    if (task === 'causal-lm') {
      const decoder = readDecoderConfig(json, `${value}/config.json`);
      const maxLength = context.config.model.max_length;
      if (maxLength !== undefined && maxLength > decoder.maxPositions && context.usable('model.max_length')) {
        report({ code: 'FTS231', range: valueRange(context, 'model.max_length'), message: `max_length ${maxLength} is above the ${decoder.maxPositions} positions of ${value} (max_position_embeddings); use at most ${decoder.maxPositions}` });
      }
      return;
    }
  } catch (error) {
    report({ code: 'FTS236', range, message: (error as Error).message });
    return;
  }
  let checkpoint;
  try {
    checkpoint = readEncoderConfig(json, `${value}/config.json`);
  } catch {
    return;
  }
  const maxLength = context.config.model.max_length;
  const positions = usablePositions(checkpoint);
  if (maxLength !== undefined && maxLength > positions && context.usable('model.max_length')) {
    report({ code: 'FTS231', range: valueRange(context, 'model.max_length'), message: `max_length ${maxLength} is above the ${positions} positions of ${value} (max_position_embeddings); use at most ${positions}` });
  }
  const known = checkpoint.labelNames;
  const trainFile = context.config.data.train_file;
  if (!known || typeof trainFile !== 'string' || !context.usable('data.train_file', 'data.label_column')) return;
  const head = context.host.readTextHead(context.host.resolvePath(context.parsed.fileName, trainFile), 64 * 1024);
  const unknown = labelNamesFromHead(trainFile, head ?? '', context.config.data.label_column).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    report({
      code: 'FTS234',
      range,
      message: `the data's labels ${unknown.slice(0, 5).join(', ')} are not in the checkpoint's id2label (${known.join(', ')}); a new classification head will be initialised`,
    });
  }
};

/** Conversations need a chat template: the tokenizer folder's, or data.chat_template. */
const messagesNeedChatTemplate: CrossFieldRule = (context, report) => {
  if (!context.usable('data.train_file', 'data.format', 'data.messages_column', 'data.tokenizer', 'data.chat_template', 'model.from_pretrained')) return;
  const { data, model } = context.config;
  if (!data || !model) return;
  const folderValue = data.tokenizer ?? model.from_pretrained;
  if (data.chat_template !== undefined || typeof folderValue !== 'string' || typeof data.train_file !== 'string') return;
  const trainPath = context.host.resolvePath(context.parsed.fileName, data.train_file);
  let messages = data.format === 'messages';
  if (data.format === undefined && readableDataFile(context, trainPath)) {
    const head = context.host.readTextHead(trainPath, COLUMN_HEAD_BYTES);
    messages = (head === undefined ? undefined : columnsFromHead(head, trainPath))?.includes(data.messages_column) ?? false;
  }
  if (!messages) return;
  const folder = context.host.resolvePath(context.parsed.fileName, folderValue).replace(/[\\/]+$/, '');
  // Only a local folder with a tokenizer can be told to lack a template (a Hub id is checked when the run reads it).
  if (!context.host.fileExists(`${folder}/tokenizer.json`) || context.host.fileExists(`${folder}/chat_template.jinja`)) return;
  const configText = context.host.readTextHead(`${folder}/tokenizer_config.json`, 4 << 20);
  try {
    if (configText !== undefined && (JSON.parse(configText) as Record<string, unknown>).chat_template) return;
  } catch {
    return; // an unreadable tokenizer_config.json is the run's to report
  }
  const key = data.tokenizer !== undefined ? 'data.tokenizer' : 'model.from_pretrained';
  report({
    code: 'FTS240',
    range: context.written('data.format') ? valueRange(context, 'data.format') : valueRange(context, key),
    message: `the rows of ${data.train_file} are conversations (messages), but the tokenizer in ${folderValue} has no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json); set data.chat_template to a .jinja file or the template text`,
  });
};

/** `peft:`: a base checkpoint to put adapters on, and target_modules that match some of its linear layers. */
const peftChecks: CrossFieldRule = (context, report) => {
  const peft = context.config.peft;
  const section = context.written('peft');
  if (!peft || !section || !context.usable('peft')) return;
  const value = context.config.model.from_pretrained;
  const folder = typeof value === 'string' ? context.host.resolvePath(context.parsed.fileName, value).replace(/[\\/]+$/, '') : undefined;
  if (folder && context.host.fileExists(`${folder}/adapter_config.json`)) {
    report({ code: 'FTS251', range: section.keyRange, message: `${value} is a PEFT adapter, whose adapter_config.json sets the LoRA configuration; remove peft: to continue training it, or point model.from_pretrained at its base` });
    return;
  }
  const hubId = typeof value === 'string' && context.host.lookupHubModel?.(value, context.parsed.fileName) !== undefined;
  const text = folder ? context.host.readTextHead(`${folder}/config.json`, 1 << 20) : undefined;
  if (typeof value !== 'string' || (text === undefined && !hubId)) {
    report({ code: 'FTS251', range: section.keyRange, message: 'peft: LoRA adapters need a Hugging Face checkpoint in model.from_pretrained (a folder with config.json, or a Hub id)' });
    return;
  }
  const target = peft.target_modules;
  const targetProperty = context.written('peft.target_modules');
  if (typeof target === 'string' && target.toLowerCase() !== 'all-linear') {
    const error = targetRegexError(target);
    if (error) {
      report({ code: 'FTS252', range: valueRange(context, 'peft.target_modules'), message: `peft.target_modules ${JSON.stringify(target)} is not a valid regular expression: ${error}` });
      return;
    }
  }
  if (text === undefined) return;
  let modules: string[];
  let settings;
  let heads: string[];
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (checkpointTask(json, context.config.model.task) === 'causal-lm') {
      const checkpoint = readDecoderConfig(json, `${value}/config.json`);
      modules = decoderLinearModuleNames(checkpoint);
      settings = resolveLora(peft, checkpoint.modelType, 'CAUSAL_LM', context.parsed.fileName);
      heads = ['lm_head'];
    } else {
      const checkpoint = readEncoderConfig(json, `${value}/config.json`);
      modules = linearModuleNames(checkpoint);
      settings = resolveLora(peft, checkpoint.modelType, 'SEQ_CLS', context.parsed.fileName);
      heads = ['classifier', 'score', 'classifier.out_proj'];
    }
  } catch {
    return; // the checkpoint's own problems are reported by hfCheckpointChecks
  }
  if (selectTargets(settings, modules, heads).length > 0) return;
  report({
    code: 'FTS250',
    range: targetProperty ? valueRange(context, 'peft.target_modules') : section.keyRange,
    message: `peft.target_modules ${JSON.stringify(settings.targetModules)} match no linear module of ${value}; its linear modules are: ${modules.join(', ')}`,
  });
};

/** FTS235: the memory plan of a `from_pretrained` checkpoint does not fit the backend; each way that would is a quick fix. */
const memoryPlanFits: CrossFieldRule = (context, report) => {
  if (!context.usable('model', `${TA}.per_device_train_batch_size`, `${TA}.gradient_accumulation_steps`, `${TA}.optim`, 'backend')) return;
  if (context.config.ignore_memory_plan) return;
  const plan = editorMemoryPlan(context.config, context.parsed.fileName, context.host);
  if (!plan || plan.result.plan.fits) return;
  const { result } = plan;
  const fixes = result.suggestions.map((s) => memoryFix(context, s)).filter((f): f is ProblemFix => f !== undefined);
  const ways = result.suggestions.map(describeSuggestion);
  report({
    code: 'FTS235',
    range: valueRange(context, 'model.from_pretrained'),
    message:
      `one training step does not fit: ${formatPlan(result.plan)}${plan.assumedBackend ? ' (backend: auto may fall back to wasm)' : ''}` +
      (ways.length > 0 ? `. What would fit: ${ways.join('; ')}` : '. No single change fits; use a smaller model or a backend with more memory'),
    ...(fixes.length > 0 ? { fixes } : {}),
  });
};

function memoryFix(context: RuleContext, suggestion: Suggestion): ProblemFix | undefined {
  const edits = (list: Array<TextEdit | undefined>) => (list.every((e) => e !== undefined) ? (list as TextEdit[]) : undefined);
  let title: string;
  let made: TextEdit[] | undefined;
  switch (suggestion.kind) {
    case 'batch':
      title = `Use per_device_train_batch_size ${suggestion.batchSize} with gradient_accumulation_steps ${suggestion.gradientAccumulationSteps}`;
      made = edits([
        setValueEdit(context, `${TA}.per_device_train_batch_size`, suggestion.batchSize, ['training_args.output_dir']),
        setValueEdit(context, `${TA}.gradient_accumulation_steps`, suggestion.gradientAccumulationSteps, [`${TA}.per_device_train_batch_size`, 'training_args.output_dir']),
      ]);
      break;
    case 'gradient-checkpointing':
      title = 'Set gradient_checkpointing: true';
      made = edits([setValueEdit(context, `${TA}.gradient_checkpointing`, true, [`${TA}.per_device_train_batch_size`, 'training_args.output_dir'])]);
      break;
    case 'backend':
      title = `Use backend: ${suggestion.backend}`;
      made = edits([setValueEdit(context, 'backend', suggestion.backend, ['model', 'data'])]);
      break;
    case 'lora':
      title = `Train LoRA adapters (peft: r ${suggestion.r}, target_modules ${suggestion.targetModules.join(', ')})`;
      made = loraEdit(context, suggestion);
      break;
  }
  return made ? { title: `${title} (${(suggestion.plan.total / 1e9).toFixed(2)} GB of ${suggestion.plan.limit.label})`, edits: made } : undefined;
}

/** A `peft:` section at the end of a YAML config, once the schema has it (the LoRA issue adds it). */
function loraEdit(context: RuleContext, suggestion: Extract<Suggestion, { kind: 'lora' }>): TextEdit[] | undefined {
  if (!('peft' in TrainerConfigSchema.properties) || context.parsed.format !== 'yaml' || context.written('peft')) return undefined;
  const text = context.parsed.text;
  const end = context.parsed.lines.positionAt(text.length);
  const lead = text.endsWith('\n') || text.length === 0 ? '' : '\n';
  const block = `${lead}peft:\n  peft_type: LORA\n  r: ${suggestion.r}\n  lora_alpha: ${2 * suggestion.r}\n  target_modules: [${suggestion.targetModules.join(', ')}]\n`;
  return [{ range: { start: end, end }, newText: block }];
}

const dataFilesHaveKnownFormat: CrossFieldRule = (context, report) => {
  for (const path of DATA_FILES) {
    const relative = valueAt(context.config, path);
    if (typeof relative !== 'string' || !context.usable(path)) continue;
    const message = unknownFormatMessage(relative, `\`${path}\``);
    if (message) report({ code: 'FTS217', range: valueRange(context, path), message: `${relative}: ${message}` });
  }
};

const outputDirIsAFolder: CrossFieldRule = (context, report) => {
  const outputDir = context.config.training_args.output_dir;
  if (typeof outputDir !== 'string' || outputDir === '' || !context.usable(`${TA}.output_dir`)) return;
  const resolved = context.host.resolvePath(context.parsed.fileName, outputDir);
  const kind = context.host.fileKind?.(resolved);
  if (kind !== 'file' && kind !== 'other') return;
  report({
    code: 'FTS218',
    range: valueRange(context, `${TA}.output_dir`),
    message: `\`output_dir\` ${outputDir} names an existing ${kind === 'file' ? 'file' : 'device, FIFO or socket'} (${resolved}), not a folder; choose a folder path for checkpoints and metrics`,
  });
};

const dataFilesHaveRows: CrossFieldRule = (context, report) => {
  for (const path of DATA_FILES) {
    const relative = valueAt(context.config, path);
    if (typeof relative !== 'string' || !context.usable(path)) continue;
    const resolved = context.host.resolvePath(context.parsed.fileName, relative);
    if (!readableDataFile(context, resolved) || context.host.countDataRows(resolved) !== 0) continue;
    report({ code: 'FTS211', range: valueRange(context, path), message: `${relative} has no data rows` });
  }
};

const intervalsWithinRun: CrossFieldRule = (context, report) => {
  const { config } = context;
  const args = config.training_args;
  const inputs = ['data.train_file', `${TA}.per_device_train_batch_size`, `${TA}.gradient_accumulation_steps`, `${TA}.num_train_epochs`, `${TA}.max_steps`, `${TA}.dataloader_drop_last`];
  if (!context.usable(...inputs) || typeof config.data.train_file !== 'string') return;
  const trainPath = context.host.resolvePath(context.parsed.fileName, config.data.train_file);
  const rows = readableDataFile(context, trainPath) ? context.host.countDataRows(trainPath) : undefined;
  if (rows === undefined || rows === 0) return;
  const { totalSteps } = computeTotalSteps(config, rows);
  const runDescription =
    args.max_steps > 0
      ? `\`max_steps\` is ${totalSteps}`
      : `the run has ${totalSteps} optimizer steps: ${rows} rows, batch ${args.per_device_train_batch_size}, accumulation ${args.gradient_accumulation_steps}, ${args.num_train_epochs} epochs`;
  const check = (key: 'logging_steps' | 'eval_steps' | 'save_steps', strategyKey: string, value: number, consequence: string, isDefault: string) => {
    if (value <= totalSteps || !context.usable(`${TA}.${key}`, `${TA}.${strategyKey}`)) return;
    report({
      code: 'FTS207',
      range: context.written(`${TA}.${key}`) ? valueRange(context, `${TA}.${key}`) : anchor(context, `${TA}.${strategyKey}`, `${TA}.${key}`),
      message: `\`${key}\` is ${value}${isDefault} but ${runDescription}; ${consequence}`,
    });
  };
  const defaultNote = (key: string) => (context.written(`${TA}.${key}`) ? '' : ' (default)');
  if (args.logging_strategy === 'steps') check('logging_steps', 'logging_strategy', args.logging_steps, 'the training loss is never logged', defaultNote('logging_steps'));
  if (args.eval_strategy === 'steps') {
    const note = args.eval_steps == null ? ' (from `logging_steps`)' : '';
    check('eval_steps', 'eval_strategy', effectiveEvalSteps(args), 'no evaluation happens during training', note);
  }
  // The default save_steps is not flagged: a run shorter than it still saves its final checkpoint.
  if (args.save_strategy === 'steps' && context.written(`${TA}.save_steps`)) {
    check('save_steps', 'save_strategy', args.save_steps, 'no checkpoint is saved before the end of training', '');
  }
};

const headsDivideEmbedding: CrossFieldRule = (context, report) => {
  const model = context.config.model;
  if (model.architecture !== 'transformer-encoder' || !context.usable('model.architecture', 'model.num_heads', 'model.embedding_dim')) return;
  if (model.embedding_dim % model.num_heads === 0) return;
  report({
    code: 'FTS208',
    range: context.written('model.num_heads') ? valueRange(context, 'model.num_heads') : anchor(context, 'model.embedding_dim', 'model.architecture'),
    message: `\`num_heads\` (${model.num_heads}) must divide \`embedding_dim\` (${model.embedding_dim}) for \`transformer-encoder\``,
  });
};

const earlyStoppingRequirements: CrossFieldRule = (context, report) => {
  const args = context.config.training_args;
  if (args.early_stopping_patience == null || !context.usable(`${TA}.early_stopping_patience`, `${TA}.eval_strategy`, `${TA}.load_best_model_at_end`)) return;
  const range = anchor(context, `${TA}.early_stopping_patience`);
  if (args.eval_strategy === 'no') {
    report({ code: 'FTS209', range, message: '`early_stopping_patience` needs evaluations: set `eval_strategy` to `steps` or `epoch`' });
  } else if (!args.load_best_model_at_end) {
    report({
      code: 'FTS209',
      range,
      message: '`early_stopping_patience` needs `load_best_model_at_end: true` (as HF\'s EarlyStoppingCallback asserts), so training ends on the best model',
      ...optionalFix(fixOf('Set `load_best_model_at_end: true`', setValueEdit(context, `${TA}.load_best_model_at_end`, true, [`${TA}.early_stopping_patience`]))),
    });
  }
};

const plateauNeedsEval: CrossFieldRule = (context, report) => {
  const args = context.config.training_args;
  if (args.lr_scheduler_type !== 'reduce_lr_on_plateau' || args.eval_strategy !== 'no' || !context.usable(`${TA}.lr_scheduler_type`, `${TA}.eval_strategy`)) return;
  report({ code: 'FTS210', range: valueRange(context, `${TA}.lr_scheduler_type`), message: '`reduce_lr_on_plateau` steps on evaluation results: set `eval_strategy` to `steps` or `epoch`' });
};

const CLASSIFICATION_LOSSES = new Set(['CrossEntropy', 'NLL', 'Focal']);
const REGRESSION_LOSSES = new Set(['MSE', 'L1', 'SmoothL1', 'Huber']);

const lossFitsTask: CrossFieldRule = (context, report) => {
  // As HF's label smoother, label_smoothing_factor replaces the loss with smoothed cross-entropy.
  const smoothing = context.config.training_args.label_smoothing_factor;
  if (smoothing > 0 && context.usable('training_args.label_smoothing_factor', 'model.num_labels', 'loss_name')) {
    const loss = resolveLossName(context.config);
    if (isRegression(context.config) || loss !== 'CrossEntropy') {
      report({
        code: 'FTS212',
        range: valueRange(context, 'training_args.label_smoothing_factor'),
        message: `\`label_smoothing_factor\` replaces the loss with label-smoothed cross-entropy (as HF's label smoother does), which ${isRegression(context.config) ? 'does not fit regression' : `would silently drop \`${loss}\``}; use \`loss_kwargs.label_smoothing\` with CrossEntropy, or remove it`,
      });
    }
  }
  if (context.config.loss_name === undefined || !context.usable('loss_name', 'model.num_labels')) return;
  const loss = resolveLossName(context.config);
  const regression = isRegression(context.config);
  if (regression && CLASSIFICATION_LOSSES.has(loss)) {
    report({ code: 'FTS212', range: valueRange(context, 'loss_name'), message: `\`${loss}\` is a classification loss, but \`num_labels: 1\` makes this regression; use \`MSE\` or raise \`num_labels\`` });
  } else if (!regression && REGRESSION_LOSSES.has(loss)) {
    report({ code: 'FTS212', range: valueRange(context, 'loss_name'), message: `\`${loss}\` is a regression loss, but the model has ${context.config.model.num_labels} classes; use \`CrossEntropy\` or set \`num_labels: 1\`` });
  }
};

const CLASSIFICATION_METRICS = /^(accuracy|f1|precision|recall)/;
const REGRESSION_METRICS = new Set(['mse', 'mae']);

const metricsFitTask: CrossFieldRule = (context, report) => {
  if (context.config.metrics === undefined || !context.usable('metrics', 'model.num_labels')) return;
  const regression = isRegression(context.config);
  const metricsNode = context.written('metrics')?.value;
  resolveMetricNames(context.config).forEach((metric, index) => {
    const wrong = regression ? CLASSIFICATION_METRICS.test(metric) : REGRESSION_METRICS.has(metric);
    if (!wrong) return;
    const item = metricsNode?.type === 'array' ? metricsNode.items[index] : undefined;
    report({
      code: 'FTS213',
      range: item?.range ?? anchor(context, 'metrics'),
      message: regression ? `\`${metric}\` is a classification metric, but \`num_labels: 1\` makes this regression` : `\`${metric}\` is a regression metric, but the model is a classifier`,
    });
  });
};

/** Bytes read from the head of the training file to learn its columns. */

const columnsExist: CrossFieldRule = (context, report) => {
  const { data, model } = context.config;
  if (!context.usable('data.train_file', 'model.architecture') || typeof data.train_file !== 'string') return;
  const trainPath = context.host.resolvePath(context.parsed.fileName, data.train_file);
  if (!readableDataFile(context, trainPath)) return;
  const head = context.host.readTextHead(trainPath, COLUMN_HEAD_BYTES);
  const columns = head === undefined ? undefined : columnsFromHead(head, trainPath);
  if (!columns) return;
  const known = columns.map((c) => `\`${c}\``).join(', ');
  const checkColumn = (path: string, column: string, role: string, item?: { range: Range; node?: PropertyNode['value'] }) => {
    if (columns.includes(column) || !context.usable(path)) return;
    const suggestion = closestMatch(column, columns);
    const property = context.written(path);
    const target = item?.node ?? property?.value;
    const edit = suggestion === undefined ? undefined : target ? replaceValueEdit(context.parsed, target, suggestion) : setValueEdit(context, path, suggestion, ['data.train_file']);
    report({
      code: 'FTS214',
      range: item?.range ?? (property ? valueRange(context, path) : anchor(context, path, 'data.train_file')),
      message: `${role} \`${column}\`${property || item ? '' : ' (default)'} is not a column of ${data.train_file}; its columns are ${known}${suggestion ? `. Did you mean \`${suggestion}\`?` : ''}`,
      ...optionalFix(suggestion !== undefined ? fixOf(`Use column \`${suggestion}\``, edit) : undefined),
    });
  };
  if (isCausalLmConfig(context)) {
    // A language model has no label column; its text columns follow the format.
    const format = detectCausalFormat(columns, data);
    if (format === undefined) {
      report({
        code: 'FTS241',
        range: valueRange(context, 'data.train_file'),
        message: `${data.train_file}: ${foreignCausalShape(columns, firstJsonlValue(head ?? '', 'conversations')) ?? `no column to train a language model on; its columns are ${known}. Name a text column (data.text_column), a prompt and a completion (data.prompt_column, data.completion_column) or a conversation (data.messages_column), or set data.format`}`,
      });
    } else if (format === 'text') checkColumn('data.text_column', data.text_column, 'text column');
    else if (format === 'prompt-completion') {
      checkColumn('data.prompt_column', data.prompt_column, 'prompt column');
      checkColumn('data.completion_column', data.completion_column, 'completion column');
    } else checkColumn('data.messages_column', data.messages_column, 'messages column');
    return;
  }
  if (model.architecture !== 'mlp') checkColumn('data.text_column', data.text_column, 'text column');
  checkColumn('data.label_column', data.label_column, 'label column');
  const features = context.written('data.feature_columns')?.value;
  (data.feature_columns ?? []).forEach((column, index) => {
    const node = features?.type === 'array' ? features.items[index] : undefined;
    checkColumn('data.feature_columns', column, 'feature column', node ? { range: node.range, node } : undefined);
  });
};

/** `model.task: causal-lm`, or a `from_pretrained` folder whose config.json is a causal LM (or a CAUSAL_LM adapter). */
function isCausalLmConfig(context: RuleContext): boolean {
  const { model } = context.config;
  if (!model) return false;
  const configured = (model as { task?: string }).task; // model.task is declared with the decoders' schema
  if (configured !== undefined) return configured === 'causal-lm';
  if (typeof model.from_pretrained !== 'string') return false;
  const folder = context.host.resolvePath(context.parsed.fileName, model.from_pretrained).replace(/[\\/]+$/, '');
  const read = (name: string): Record<string, unknown> | undefined => {
    const text = context.host.readTextHead(`${folder}/${name}`, 1 << 20);
    try {
      const json: unknown = text === undefined ? undefined : JSON.parse(text);
      return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const config = read('config.json');
  if (config) return checkpointTask(config) === 'causal-lm';
  // A PEFT adapter folder names its task (its base is resolved at run time).
  return read('adapter_config.json')?.task_type === 'CAUSAL_LM';
}

/** The value of `key` in the first JSON line of `head`, if it parses. */
function firstJsonlValue(head: string, key: string): unknown {
  try {
    const row: unknown = JSON.parse(head.split('\n', 1)[0]);
    return typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** HF's reporting integrations (transformers 5 `INTEGRATION_TO_CALLBACK`), to tell "not offered here" from a typo. */
const HF_REPORT_INTEGRATIONS = ['azure_ml', 'clearml', 'codecarbon', 'comet_ml', 'dagshub', 'dvclive', 'flyte', 'kubeflow', 'mlflow', 'neptune', 'swanlab', 'tensorboard', 'trackio', 'wandb'];

const reportToSupported: CrossFieldRule = (context, report) => {
  if (!context.usable(`${TA}.report_to`)) return;
  const { unsupported } = resolveReportTo(context.config.training_args);
  if (unsupported.length === 0) return;
  const node = context.written(`${TA}.report_to`)?.value;
  const supported = [...SUPPORTED_REPORT_INTEGRATIONS, 'all', 'none'].map((n) => `\`${n}\``).join(', ');
  for (const name of new Set(unsupported)) {
    const item = node?.type === 'array' ? node.items.find((i) => i.type === 'scalar' && i.value === name) : undefined;
    const known = HF_REPORT_INTEGRATIONS.includes(name);
    const suggestion = known ? undefined : closestMatch(name, [...SUPPORTED_REPORT_INTEGRATIONS, 'all', 'none']);
    const target = item ?? (node?.type === 'scalar' ? node : undefined);
    report({
      code: 'FTS215',
      range: item?.range ?? valueRange(context, `${TA}.report_to`),
      message: `\`report_to\` names \`${name}\`, ${known ? 'a Hugging Face integration this trainer does not offer' : 'which is not a reporting integration'}; it is ignored. Supported: ${supported}${suggestion ? `. Did you mean \`${suggestion}\`?` : ''}`,
      ...optionalFix(suggestion && target ? fixOf(`Change to \`${suggestion}\``, replaceValueEdit(context.parsed, target, suggestion)) : undefined),
    });
  }
};

export const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  bestModelNeedsMatchingStrategies,
  metricMustBeComputed,
  evalNeedsEvalFile,
  warmupBoth,
  referencedFilesExist,
  hubModelInCache,
  dataFilesHaveKnownFormat,
  outputDirIsAFolder,
  dataFilesHaveRows,
  hfCheckpointChecks,
  peftChecks,
  memoryPlanFits,
  intervalsWithinRun,
  headsDivideEmbedding,
  earlyStoppingRequirements,
  plateauNeedsEval,
  lossFitsTask,
  metricsFitTask,
  columnsExist,
  reportToSupported,
  messagesNeedChatTemplate,
];

/**
 * Runs every cross-field rule. A rule that throws (a bug) must not hide the other rules'
 * problems: the others still run, and the error goes to the host's reportInternalError.
 */
export function runCrossFieldRules(context: RuleContext, rules: readonly CrossFieldRule[] = CROSS_FIELD_RULES): Problem[] {
  const problems: Problem[] = [];
  rules.forEach((rule, index) => {
    try {
      rule(context, (problem) => problems.push({ file: context.parsed.fileName, severity: ruleInfo(problem.code).severity, ...problem }));
    } catch (error) {
      context.host.reportInternalError?.(`cross-field rule ${rule.name || `#${index}`} on ${context.parsed.fileName}`, error);
    }
  });
  return problems;
}
