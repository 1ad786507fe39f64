/**
 * One training run from a config file: validate, start the backend, read the data, build or
 * load the model, load a custom trainer module, train, and report every step as events.
 * Used by the CLI in a terminal and by the child process the extension starts.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createNodeConfigHost, loadConfigFile } from '../cli/config-host';
import { downloadTimeoutMs } from '../hub/env';
import { isHubError } from '../hub/errors';
import { formatBytes } from '../hub/format';
import { formatModelId, type ModelId } from '../hub/model-id';
import { hubOptionsFromEnv } from '../hub/options';
import type { DownloadProgress } from '../hub/download';
import { ensurePretrained } from '../hub/pretrained';
import { findProperty, formatProblem, hasErrors, resolveLossName, resolveMetricNames, resolveReportTo, SUPPORTED_REPORT_INTEGRATIONS, type ParsedConfig, type TrainerConfig } from '../config';
import type { MetricName } from '../config/schema';
import { PROTOCOL_VERSION, type DownloadEvent, type LogMessageEvent, type RunEndEvent, type RunError, type SourceLocation } from '../protocol/events';
import { initBackend, type BackendName } from './backends';
import { isWasmHeapExhausted, WASM_HEAP_EXHAUSTED_ADVICE, wasmHeapBytes } from './backends/wasm-heap';
import { checkpointGlobalStep, latestCheckpoint, listCheckpoints } from './checkpoints';
import { loadTrainerModule, type CoreModules, type TrainerModule } from './custom-module';
import { DataError, prepareData, type PreparedData } from './data';
import { TrainerError } from './errors';
import { FanOutSink, JsonlEventLog, type EventSink } from './event-sink';
import { fromPretrained, readModelInfo, saveModel, type ModelInfo } from './io';
import { HF_CONFIG_FILE, isHfModelFolder, readHfConfig } from './io/hf-folder';
import { prepareHfData } from './data/prepare-hf';
import { causalLmClass, loadHfCausalLm, loadHfModel, readEncoderConfig, sequenceClassificationClass } from './models/hf';
import { describeCausalData, prepareCausalLmData, type CausalLmData } from './data/causal';
import { HfCausalLmModel } from './models/hf/causal-lm';
import { evaluationGenerations } from './generation/eval-generations';
import { readGenerationFile } from './generation/load';
import type { TrainerCallback } from './callbacks';
import { checkedCheckpointTask } from '../config/checkpoint-task';
import { formatPlan, TOKEN_EMBEDDING, type MemoryLimit, type ParameterSummary } from './memory/estimate';
import { planConfig } from './memory/config-plan';
import { currentLimit, runAlternatives } from './memory/backend-limits';
import { describeRefusal, type PlanResult } from './memory/plan';
import { transformerShape } from './memory/shape';
import { tryResolve } from './backends/optional-require';
import { resolveLora, type LoraSettings } from './models/hf/peft-config';
import { baseBesideAdapter, isAdapterFolder, loadAdapterInto, readAdapterConfig, type AdapterModel } from './io/peft-files';
import type { RunModelInfo } from '../protocol/parameters';
import { createModel } from './models';
import { prepareOutputDir, refuseOutside } from './output-dir';
import { resolveLoggingDir, TensorBoardSink } from './reporting';
import { loadTokenizer } from './tokenizer';
import { Trainer } from './trainer';
import type { TrainableModel } from './types';

export interface RunOptions {
  configPath: string;
  /** A checkpoint folder, or true for the latest in output_dir. */
  resume?: string | boolean;
  maxSteps?: number;
  backend?: BackendName;
  /**
   * False when the workspace is not trusted: a config that loads a custom trainer module (user
   * code) is refused here too, not only by the editor command that started the run.
   */
  allowUserCode?: boolean;
  /** Start afresh even if output_dir holds checkpoints (HF's --overwrite_output_dir). */
  overwriteOutputDir?: boolean;
  /**
   * When user code is not allowed (an untrusted workspace), output_dir must lie inside this folder;
   * default: the config file's folder.
   */
  workspaceRoot?: string;
  /** Where events go besides metrics.jsonl (terminal, JSON lines, IPC). */
  events: EventSink;
  /** The public module custom trainers import as `finetune-studio`. */
  core: CoreModules;
  /** Called once the Trainer exists, so the caller can wire stop/pause controls to it. */
  onTrainer?: (trainer: Trainer) => void;
  /** Where problems are reported that cannot become events (the sink itself failing). */
  log?: (message: string) => void;
  /** --offline: Hub models from the cache only, as with HF_HUB_OFFLINE=1. */
  offline?: boolean;
  /**
   * Aborted by a stop that comes before the Trainer exists: a model download in progress ends
   * (its partial file stays `<blob>.incomplete`, resumed next time) and the run ends `stopped`.
   */
  stopSignal?: AbortSignal;
  /** Called with metrics.jsonl's path once the run writes it (whoever outlives the run can append its end). */
  onMetricsLog?: (path: string) => void;
  /**
   * Errors user code raises outside computeLoss (a rejected promise at import, a throwing timer):
   * the caller subscribes to its process-level hooks; the run then stops with a checkpoint and
   * ends `failed` with the user's file and line. Returns an unsubscribe function.
   */
  asyncErrors?: (onError: (error: unknown, origin: string) => void) => () => void;
}

/** Runs training to the end; never throws: failures come back as a `failed` runEnd event. */
export async function runTraining(options: RunOptions): Promise<RunEndEvent> {
  const started = Date.now();
  const sink = new FanOutSink().add(options.events);
  let metricsLog: JsonlEventLog | undefined;
  let tensorBoard: TensorBoardSink | undefined;
  let trainerModule: TrainerModule | undefined;
  let trainer: Trainer | undefined;
  let model: TrainableModel | undefined;
  // A holder, not a variable: the callback sets it while awaits are pending.
  const asyncFailure: { raised: boolean; error?: unknown; origin?: string } = { raised: false };
  const unsubscribe = options.asyncErrors?.((error, origin) => {
    if (asyncFailure.raised) return;
    asyncFailure.raised = true;
    asyncFailure.error = error;
    asyncFailure.origin = origin;
    // Checkpoint after the current step, then end as failed (below).
    trainer?.requestStop();
  });
  const end = (status: RunEndEvent['status'], extra: Partial<RunEndEvent>): RunEndEvent => {
    const event: RunEndEvent = {
      type: 'runEnd',
      time: Date.now(),
      status,
      step: trainer?.state.globalStep ?? 0,
      epoch: trainer?.state.epoch ?? 0,
      trainRuntime: (Date.now() - started) / 1000,
      ...extra,
    };
    try {
      sink.emit(event);
    } catch (error) {
      options.log?.(`Could not record the end of the run: ${(error as Error).message}`);
    }
    return event;
  };

  try {
    const configPath = resolve(options.configPath);
    const configDir = dirname(configPath);
    const env = options.offline ? { ...process.env, HF_HUB_OFFLINE: '1' } : process.env;
    const loaded = await loadConfigFile(configPath, createNodeConfigHost(env));
    if (!loaded.config || hasErrors(loaded.problems)) {
      const errors = loaded.problems.filter((p) => p.severity === 'error');
      const first = errors[0];
      return end('failed', {
        error: {
          message: `The config has ${errors.length} error(s):\n${errors.map(formatProblem).join('\n')}`,
          location: first ? { file: first.file, line: first.range.start.line + 1, column: first.range.start.character + 1 } : undefined,
        },
      });
    }
    const config = applyOverrides(loaded.config, options);
    if (config.trainer && options.allowUserCode === false) {
      return end('failed', {
        error: {
          message: `Refused: ${configPath} loads the custom trainer module ${config.trainer}, which runs code from an untrusted workspace. Trust the workspace to run it.`,
          location: { file: configPath, line: 1, column: 1 },
        },
      });
    }
    const args = config.training_args;
    const outputDir = resolve(configDir, args.output_dir);
    const resumeFrom = resolveResume(outputDir, options.resume ?? args.resume_from_checkpoint ?? undefined, configDir);
    const confineTo = options.allowUserCode === false ? resolve(options.workspaceRoot ?? configDir) : undefined;
    const { cleaned } = prepareOutputDir({
      outputDir,
      location: keyLocation(loaded.parsed, configPath, 'output_dir'),
      resumeFrom,
      overwrite: config.training_args.overwrite_output_dir,
      confineTo,
    });

    metricsLog = new JsonlEventLog(join(outputDir, 'metrics.jsonl'));
    const reporting = createReporting(config, { configDir, outputDir, started, confineTo, loggingDirAt: keyLocation(loaded.parsed, configPath, 'logging_dir') }, (text) => sink.emit({ type: 'message', time: Date.now(), level: 'warning', text }));
    tensorBoard = reporting.tensorBoard;
    // On disk first (metrics.jsonl, then TensorBoard): whoever hears of an event can then find it there.
    if (tensorBoard) sink.addFirst(tensorBoard);
    sink.addFirst(metricsLog);
    options.onMetricsLog?.(metricsLog.path);
    for (const note of reporting.notes) sink.emit(note);
    if (cleaned.length > 0) {
      sink.emit({ type: 'message', time: Date.now(), level: 'info', text: `Removed ${cleaned.length} temporary checkpoint folder(s) left by a killed save: ${cleaned.map((dir) => basename(dir)).join(', ')}` });
    }

    const backend = await initBackend({ backend: config.backend, threads: config.threads }, (text, level = 'warning') =>
      sink.emit({ type: 'message', time: Date.now(), level, text }),
    );

    // A Hub id becomes its snapshot folder (downloaded now if the cache lacks it); what follows reads folders only.
    const pretrained = config.model.from_pretrained ? await resolvePretrained(config.model.from_pretrained, configDir, env, sink, options.stopSignal) : undefined;
    // A PEFT adapter folder names its base: that base is loaded, with the adapter on it.
    const adapter = pretrained && isAdapterFolder(pretrained.folder) ? await resolveAdapter(pretrained.folder, config, loaded.parsed, configPath, configDir, env, sink) : undefined;
    const pretrainedDir = adapter?.base.folder ?? pretrained?.folder;
    const modelConfig = pretrainedDir ? { ...config, model: { ...config.model, from_pretrained: pretrainedDir } } : config;
    const memory: MemoryCheck = {
      limit: currentLimit(backend.name),
      alternatives: runAlternatives(backend.name !== 'tensorflow' && tryResolve('@tensorflow/tfjs-node') !== undefined),
      ignore: config.ignore_memory_plan,
      location: modelLocation(loaded.parsed, configPath),
    };
    const say = (level: 'debug' | 'info' | 'warning', text: string) => sink.emit({ type: 'message', time: Date.now(), level, text });
    if (config.peft && !(pretrainedDir && isHfModelFolder(pretrainedDir))) {
      throw new TrainerError('peft: LoRA adapters need a Hugging Face checkpoint in model.from_pretrained (a folder with config.json and model.safetensors, or a Hub id)', keyLocation(loaded.parsed, configPath, 'peft', []));
    }
    const setup =
      pretrainedDir && isHfModelFolder(pretrainedDir)
        ? await setUpHfCheckpoint(modelConfig, configDir, pretrainedDir, memory, say, {
            baseName: adapter?.baseName ?? (pretrained?.id ? formatModelId(pretrained.id) : pretrainedDir),
            peft: adapter?.peft ?? config.peft,
            adapterDir: adapter ? pretrained?.folder : undefined,
            peftSource: adapter?.configFile ?? configPath,
          })
        : await setUpBuiltIn(modelConfig, configDir, pretrainedDir, resumeFrom);
    const { data, model: runModel, saveModelFiles } = setup;
    model = runModel;

    if (config.trainer) {
      trainerModule = await loadTrainerModule(resolve(configDir, config.trainer), options.core);
    }
    const TrainerClass = trainerModule?.trainerClass ?? Trainer;
    const generations = await generationCallbacks(config, setup, pretrainedDir, sink, say);
    trainer = new TrainerClass({
      model: runModel,
      args: { ...args, output_dir: outputDir },
      trainDataset: data.train,
      evalDataset: data.eval,
      computeMetrics: trainerModule?.computeMetrics,
      computeLossFunc: trainerModule?.computeLossFunc,
      callbacks: [...(trainerModule?.callbacks ?? []), ...generations],
      lossName: setup.lossName,
      lossKwargs: config.loss_kwargs,
      metricNames: setup.metricNames,
      trainerKwargs: config.trainer_kwargs,
      outputDir,
      events: sink,
      saveModel: saveModelFiles,
    });
    options.onTrainer?.(trainer);
    if (asyncFailure.raised) throw asyncFailure.error;

    const resolved = { ...config, training_args: { ...args, output_dir: outputDir } };
    writeFileSync(join(outputDir, 'config.resolved.json'), JSON.stringify(resolved, null, 2) + '\n');
    const steps = trainer.totalSteps();
    sink.emit({
      type: 'runStart',
      protocol: PROTOCOL_VERSION,
      runId: `${basename(outputDir)}-${started}`,
      time: Date.now(),
      configPath,
      outputDir,
      config: resolved,
      totalSteps: steps.totalSteps,
      numEpochs: steps.numEpochs,
      stepsPerEpoch: steps.stepsPerEpoch,
      trainExamples: data.train.size,
      evalExamples: data.eval?.size ?? 0,
      backend,
      model: setup.modelInfo ?? builtInModelInfo(runModel, config.model.from_pretrained ?? config.model.architecture),
      ...(resumeFrom ? { resumedFrom: resumeFrom, resumedStep: checkpointGlobalStep(resumeFrom) } : {}),
    });

    const output = await trainer.train({ resumeFromCheckpoint: resumeFrom ?? false });
    writeFileSync(join(outputDir, 'trainer_state.json'), JSON.stringify(trainer.state.toJson(), null, 2) + '\n');
    if (asyncFailure.raised) {
      return end('failed', { error: describeAsyncFailure(asyncFailure, trainerModule), checkpoint: output.stopCheckpoint });
    }
    if (output.status === 'completed') await saveModelFiles(outputDir);
    return end(output.status, {
      checkpoint: output.stopCheckpoint,
      bestCheckpoint: trainer.state.bestModelCheckpoint,
      bestMetric: trainer.state.bestMetric,
    });
  } catch (error) {
    if (isHubError(error, 'cancelled')) {
      sink.emit({ type: 'message', time: Date.now(), level: 'info', text: `${error.message}; the part already fetched stays in the cache as <blob>.incomplete and the next run resumes it.` });
      return end('stopped', {});
    }
    // An error raised by user code elsewhere often surfaces here as a follow-up (a stop, a broken state): report the first.
    return end('failed', { error: asyncFailure.raised ? describeAsyncFailure(asyncFailure, trainerModule) : describeError(error, trainerModule) });
  } finally {
    unsubscribe?.();
    tensorBoard?.close();
    metricsLog?.close();
    model?.dispose();
    trainer?.optimizer?.dispose();
  }
}

/** How often a model download reports its progress as an event (metrics.jsonl, the dashboard, the editor). */
const DOWNLOAD_EVENT_MS = 250;

/** `model.from_pretrained`: a folder, or a Hub id from the shared cache, downloaded with progress events when missing. */
async function resolvePretrained(value: string, configDir: string, env: NodeJS.ProcessEnv, sink: EventSink, signal?: AbortSignal): Promise<{ folder: string; id?: ModelId }> {
  const say = (text: string) => sink.emit({ type: 'message', time: Date.now(), level: 'info', text });
  const progress = (p: Omit<DownloadEvent, 'type' | 'time' | 'model'>) => sink.emit({ type: 'download', time: Date.now(), model: value, ...p });
  const hub = hubOptionsFromEnv(env);
  const started = Date.now();
  // At most one event per DOWNLOAD_EVENT_MS; the latest held back is sent when the interval ends, so a stall shows where it stalled.
  let lastSent = 0;
  let held: DownloadProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  const send = (p: DownloadProgress) => {
    lastSent = Date.now();
    held = undefined;
    progress({ file: p.file, bytes: p.bytes, total: p.total, rate: p.rate, ...(p.etaSeconds !== undefined ? { eta: p.etaSeconds } : {}), done: false });
  };
  const onProgress = (p: DownloadProgress) => {
    const wait = lastSent + DOWNLOAD_EVENT_MS - Date.now();
    if (wait <= 0) return send(p);
    held = p;
    timer ??= setTimeout(() => {
      timer = undefined;
      if (held) send(held);
    }, wait);
  };
  let result: Awaited<ReturnType<typeof ensurePretrained>>;
  try {
    result = await ensurePretrained(value, configDir, { ...hub, idleTimeoutMs: downloadTimeoutMs(env), signal, onProgress }, (id, detail) => {
      say(`Downloading ${formatModelId(id)} from ${hub.endpoint} into ${hub.cacheDir} (${detail})`);
      progress({ file: '', bytes: 0, total: 0, rate: 0, done: false });
    });
  } finally {
    clearTimeout(timer);
  }
  if (result.download) {
    const d = result.download;
    const seconds = (Date.now() - started) / 1000;
    progress({ file: '', bytes: d.bytes, total: d.bytes, rate: d.bytes / Math.max(seconds, 1e-3), eta: 0, done: true });
    say(`Downloaded ${d.downloaded.length} files (${formatBytes(d.bytes)}) of ${value} in ${seconds.toFixed(1)} s: ${d.folder}`);
  } else if (result.id) say(`${value}: ${result.folder} (from the Hugging Face cache)`);
  return result;
}

/**
 * `model.from_pretrained` naming a PEFT adapter folder: its adapter_config.json gives the LoRA settings
 * and the base (`base_model_name_or_path`: a folder, absolute or relative to the adapter, or a Hub id).
 */
async function resolveAdapter(
  adapterDir: string,
  config: TrainerConfig,
  parsed: ParsedConfig,
  configPath: string,
  configDir: string,
  env: NodeJS.ProcessEnv,
  sink: EventSink,
): Promise<{ base: { folder: string }; baseName: string; peft: NonNullable<TrainerConfig['peft']>; configFile: string }> {
  const { peft, baseModel, path } = await readAdapterConfig(adapterDir);
  if (config.peft) {
    throw new TrainerError(
      `peft: ${adapterDir} is a PEFT adapter whose ${basename(path)} sets the LoRA configuration; remove the peft section to continue training it, or point model.from_pretrained at its base (${baseModel}) to train a new adapter`,
      keyLocation(parsed, configPath, 'peft', []),
    );
  }
  const beside = baseBesideAdapter(adapterDir, baseModel);
  const base = beside ? { folder: beside } : await resolvePretrained(baseModel, configDir, env, sink);
  return { base, baseName: baseModel, peft: { peft_type: 'LORA', r: 8, lora_alpha: 8, lora_dropout: 0, bias: 'none', use_rslora: false, init_lora_weights: true, ...peft }, configFile: path };
}

/**
 * `report_to`: the TensorBoard sink when asked for, and what the run log should say about it;
 * names this trainer does not offer (wandb, mlflow, ...) are a warning there too, never dropped silently.
 */
/** Where `training_args.<key>` (or `<section>.<key>`) is written in the config (its value), or the config's first line when it is not. */
function keyLocation(parsed: ParsedConfig, configPath: string, key: string, section: string[] = ['training_args']): SourceLocation {
  const property = findProperty(parsed, [...section, key]);
  // A section (`peft:`) is located at its key; a setting at its value.
  const start = (section.length === 0 ? property : (property?.value ?? property))?.range.start;
  return { file: configPath, line: (start?.line ?? 0) + 1, column: (start?.character ?? 0) + 1 };
}

function createReporting(
  config: TrainerConfig,
  run: { configDir: string; outputDir: string; started: number; confineTo?: string; loggingDirAt: SourceLocation },
  warn: (text: string) => void,
): { tensorBoard?: TensorBoardSink; notes: LogMessageEvent[] } {
  const note = (level: LogMessageEvent['level'], text: string): LogMessageEvent => ({ type: 'message', time: Date.now(), level, text });
  const { integrations, unsupported } = resolveReportTo(config.training_args);
  const notes = unsupported.map((name) =>
    note('warning', `report_to: \`${name}\` is not offered by this trainer and is ignored; supported: ${SUPPORTED_REPORT_INTEGRATIONS.join(', ')} [FTS215]`),
  );
  if (!integrations.includes('tensorboard')) return { notes };
  const logDir = resolveLoggingDir({ loggingDir: config.training_args.logging_dir, configDir: run.configDir, outputDir: run.outputDir, startTime: new Date(run.started) });
  // TensorBoard files are written too: an untrusted config may not send them out of its folder either.
  if (run.confineTo !== undefined) refuseOutside(run.confineTo, logDir, 'logging_dir', run.loggingDirAt);
  notes.push(note('info', `TensorBoard event files go to ${logDir} (view with: tensorboard --logdir ${dirname(logDir)})`));
  return { tensorBoard: new TensorBoardSink({ logDir: () => logDir, onError: warn }), notes };
}

interface RunSetup {
  data: PreparedData;
  model: TrainableModel;
  modelInfo?: RunModelInfo;
  saveModelFiles: (dir: string) => Promise<void>;
  lossName: string;
  metricNames: MetricName[];
}

/** A built-in architecture, or a checkpoint of this Trainer / a tfjs LayersModel to fine-tune. */
async function setUpBuiltIn(config: TrainerConfig, configDir: string, pretrainedDir: string | undefined, resumeFrom: string | undefined): Promise<RunSetup> {
  // A resumed run reuses the checkpoint's tokenizer and label mapping, so the data encode identically;
  // fine-tuning our own checkpoint reuses its feature scaling, and its label names when the head is kept.
  const savedInfo: ModelInfo | undefined = resumeFrom
    ? await checkpointInfo(resumeFrom)
    : pretrainedDir && existsSync(join(pretrainedDir, 'config.json'))
      ? await pretrainedInfo(pretrainedDir, config.model.num_labels)
      : undefined;
  const data: PreparedData = await prepareData(config, configDir, {
    tokenizer: resumeFrom && existsSync(join(resumeFrom, 'tokenizer.json')) ? await loadTokenizer(resumeFrom) : undefined,
    labelNames: savedInfo?.labelNames,
    featureStats: savedInfo?.featureStats,
  });
  const dims = { vocabSize: data.tokenizer?.vocabSize, numFeatures: data.featureNames?.length, numLabels: data.numLabels };
  const model = pretrainedDir ? await fromPretrained(pretrainedDir, config.model, dims, config.training_args.seed) : createModel(config.model, dims, config.training_args.seed);
  const info: ModelInfo = { config: config.model, dims, labelNames: data.labelNames, featureStats: data.featureStats };
  return {
    data,
    model,
    saveModelFiles: async (dir) => {
      await saveModel(model, dir, info);
      await data.tokenizer?.save(dir);
    },
    lossName: resolveLossName(config),
    metricNames: resolveMetricNames(config),
  };
}

/**
 * A Hugging Face model folder: its tokenizer encodes the data, its config.json decides the
 * architecture and the task (as *ForSequenceClassification picks the loss), and a resumed run
 * reloads the same folder before the Trainer restores the checkpoint's weights.
 */
async function setUpHfCheckpoint(
  config: TrainerConfig,
  configDir: string,
  dir: string,
  memory: MemoryCheck,
  say: (level: 'debug' | 'info' | 'warning', text: string) => void,
  options: AdapterOptions,
): Promise<RunSetup> {
  const json = await readHfConfig(dir);
  if (checkedCheckpointTask(json, config.model.task, join(dir, HF_CONFIG_FILE)) === 'causal-lm') {
    return setUpHfCausalLm(config, configDir, dir, say, options, { memory, json });
  }
  const checkpoint = readEncoderConfig(json, join(dir, HF_CONFIG_FILE));
  const data = await prepareHfData(config, configDir, dir, checkpoint);
  // The plan from config.json first, so that a run that cannot fit is refused before any weight is read.
  const shape = transformerShape(json, join(dir, HF_CONFIG_FILE), data.numLabels);
  const seqLength = Math.min(data.longestTrainRow || data.maxLength, data.maxLength);
  const plan = (parameters?: ParameterSummary) => planConfig({ config, shape, seqLength, limit: memory.limit, alternatives: memory.alternatives, parameters, peft: options.peft });
  checkMemory(plan(), memory, say, false);
  const lora: LoraSettings | undefined = options.peft ? resolveLora(options.peft, checkpoint.modelType, 'SEQ_CLS', options.peftSource) : undefined;
  const { model, report } = await loadHfModel(dir, {
    numLabels: data.numLabels,
    problemType: data.problemType,
    labelNames: data.labelNames,
    freeze: config.model.freeze,
    seed: config.training_args.seed,
    modelConfig: config.model,
    lora,
    baseModelName: options.baseName,
  });
  try {
    await attachAdapter(model, lora, options);
  } catch (error) {
    model.dispose();
    throw error;
  }
  if (report.unused.length > 0) say('debug', `${dir}: weights not used by ${checkpoint.modelType} for sequence classification: ${report.unused.join(', ')}`);
  if (report.initialised.length > 0) {
    say(
      'warning',
      `Some weights of ${sequenceClassificationClass(checkpoint)} were not initialized from the checkpoint at ${dir} and are newly initialized: ${report.initialised.join(', ')}` +
        `${report.newHead ? ` (the data have ${data.numLabels} labels, the checkpoint's head ${checkpoint.numLabels})` : ''}. Train this model before using it for predictions.`,
    );
  }
  for (const [split, count] of Object.entries(data.truncatedRows)) {
    if (count > 0) say('info', `${count} ${split} row(s) were longer than max_length ${data.maxLength} tokens and were truncated.`);
  }
  checkMemory(plan(parameterSummary(model.weights())), memory, say, true);
  say('info', `Fine-tuning ${checkpoint.modelType} from ${options.baseName}${describeAdapter(model, options)}; ${data.problemType}, max_length ${data.maxLength}.`);
  const modelInfo = hfModelInfo(model, options.baseName);
  // loss_name and metrics arrive resolved for model.num_labels; where they are just those defaults,
  // the checkpoint's task decides, as transformers' *ForSequenceClassification does.
  const unset = { model: { ...config.model }, loss_name: undefined, metrics: undefined };
  const lossIsDefault = config.loss_name === undefined || config.loss_name === resolveLossName(unset);
  const metricsAreDefault = !config.metrics || config.metrics.join() === resolveMetricNames(unset).join();
  const multiLabel = data.problemType === 'multi_label_classification';
  const taskLoss = multiLabel ? 'BCEWithLogits' : data.problemType === 'regression' ? 'MSE' : 'CrossEntropy';
  const taskMetrics: MetricName[] = multiLabel ? [] : data.problemType === 'regression' ? ['mse'] : ['accuracy'];
  return {
    data,
    model,
    modelInfo,
    saveModelFiles: async (target) => {
      await saveModel(model, target, { config: config.model, dims: { numLabels: data.numLabels } });
      if (config.data.tokenizer) await data.tokenizer.save(target);
    },
    lossName: lossIsDefault ? taskLoss : (config.loss_name as string),
    metricNames: metricsAreDefault ? taskMetrics : [...(config.metrics ?? [])],
  };
}

/** The LoRA side of a Hugging Face run: `peft:` (or an adapter folder's config) and where it came from. */
interface AdapterOptions {
  /** base_model_name_or_path of a saved adapter: the Hub id or folder the config names. */
  baseName: string;
  peft?: TrainerConfig['peft'];
  /** The adapter folder `model.from_pretrained` named, whose weights are loaded onto the base. */
  adapterDir?: string;
  /** The file the LoRA settings come from (the config, or adapter_config.json), for errors. */
  peftSource: string;
}

/** Checks that the adapters landed on some module, and loads an adapter folder's weights onto them. */
async function attachAdapter(model: AdapterModel, lora: LoraSettings | undefined, options: AdapterOptions): Promise<void> {
  if (lora && model.lora?.targets.length === 0) {
    throw new TrainerError(`${options.peftSource}: peft.target_modules ${JSON.stringify(lora.targetModules)} match no linear module of ${lora.modelType}; its modules are: ${model.lora.linearModules.join(', ')}`);
  }
  if (options.adapterDir) await loadAdapterInto(model, options.adapterDir);
}

function describeAdapter(model: AdapterModel, options: AdapterOptions): string {
  const lora = model.lora;
  return lora ? ` with LoRA (r ${lora.settings.r}, alpha ${lora.settings.loraAlpha}) on ${lora.targets.length} modules${options.adapterDir ? ` from ${options.adapterDir}` : ''}` : '';
}

/** What runStart says is fine-tuned: parameters as PEFT's print_trainable_parameters counts them, and the adapter. */
function hfModelInfo(model: AdapterModel, name: string): RunModelInfo {
  const counts = model.parameterCounts();
  const lora = model.lora;
  return {
    name,
    parameters: counts.total,
    trainableParameters: counts.trainable,
    ...(lora ? { adapter: { peftType: 'LORA' as const, r: lora.settings.r, loraAlpha: lora.settings.loraAlpha, targets: lora.targets } } : {}),
  };
}

interface MemoryCheck {
  limit: MemoryLimit;
  alternatives: MemoryLimit[];
  /** `ignore_memory_plan: true`: a plan that does not fit is a warning, not a refusal. */
  ignore: boolean;
  location: SourceLocation;
}

/** Refuses a plan that does not fit (unless told to ignore it); `announce` prints the plan. */
function checkMemory(result: PlanResult, memory: MemoryCheck, say: (level: 'info' | 'warning', text: string) => void, announce: boolean): void {
  if (!result.plan.fits) {
    const refusal = describeRefusal(result, 'One training step');
    if (!memory.ignore) throw new TrainerError(`${refusal}\nSet ignore_memory_plan: true to start anyway.`, memory.location);
    say('warning', `${refusal}\nStarting anyway (ignore_memory_plan: true).`);
    return;
  }
  if (announce) say('info', `Memory plan: ${formatPlan(result.plan)}`);
  if (announce && result.plan.caution) say('warning', `Memory plan: ${result.plan.caution}`);
}

/** Parameter counts of a built model: frozen weights are stored, only trainable ones get gradients and state. */
function parameterSummary(weights: readonly { name: string; variable: { shape: readonly number[]; trainable: boolean } }[]): ParameterSummary {
  let total = 0;
  let trainable = 0;
  let largest = 0;
  let largestTrainable = 0;
  let embeddingTrainable = false;
  for (const { name, variable } of weights) {
    const size = variable.shape.reduce((a, b) => a * b, 1);
    total += size;
    largest = Math.max(largest, size);
    if (variable.trainable) {
      trainable += size;
      largestTrainable = Math.max(largestTrainable, size);
      if (TOKEN_EMBEDDING.test(name)) embeddingTrainable = true;
    }
  }
  return { total, trainable, largest, largestTrainable, embeddingTrainable };
}

/** Where `model.from_pretrained` is written: a refusal points there. */
function modelLocation(parsed: ParsedConfig, configPath: string): SourceLocation {
  const property = findProperty(parsed, ['model', 'from_pretrained']) ?? findProperty(parsed, ['model']);
  const start = (property?.value ?? property)?.range.start;
  return { file: configPath, line: (start?.line ?? 0) + 1, column: (start?.character ?? 0) + 1 };
}

/** Parameters of a built-in model (or a checkpoint of this Trainer): all weights, and those not frozen. */
function builtInModelInfo(model: TrainableModel, name: string): RunModelInfo {
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const count = (weights: ReturnType<TrainableModel['weights']>) => weights.reduce((sum, { variable }) => sum + size(variable.shape), 0);
  return { name, parameters: count(model.weights()), trainableParameters: count(model.trainableWeights()) };
}

/** A causal LM with `generation:` completes its prompts at each evaluation (`generations` events). */
async function generationCallbacks(
  config: TrainerConfig,
  setup: RunSetup,
  checkpointDir: string | undefined,
  events: EventSink,
  say: (level: 'debug' | 'info' | 'warning', text: string) => void,
): Promise<TrainerCallback[]> {
  const generation = config.generation;
  if (!generation || !(setup.model instanceof HfCausalLmModel)) return [];
  if (!generation.prompts || generation.prompts.length === 0) {
    say('warning', 'generation: no prompts listed; taking them from the eval set is not implemented yet, so list them in generation.prompts');
    return [];
  }
  const data = setup.data as CausalLmData;
  return [
    evaluationGenerations({
      model: setup.model,
      tokenizer: data.tokenizer,
      generation,
      chat: generation.chat ?? data.format === 'messages',
      generationFile: checkpointDir ? await readGenerationFile(checkpointDir) : undefined,
      events,
      seed: config.training_args.seed,
    }),
  ];
}

/**
 * A decoder checkpoint fine-tuned as a language model (GPT2LMHeadModel, *ForCausalLM): its tokenizer
 * prepares text, prompt-completion or messages rows (data/causal), the loss is the shifted token
 * cross-entropy, evaluation reports eval_loss and perplexity, and saves are transformers folders.
 */
async function setUpHfCausalLm(
  config: TrainerConfig,
  configDir: string,
  dir: string,
  say: (level: 'debug' | 'info' | 'warning', text: string) => void,
  options: AdapterOptions,
  checked: { memory: MemoryCheck; json: Record<string, unknown> },
): Promise<RunSetup> {
  // config.json and the tokenized data first, so that a run that cannot fit is refused before any weight is read.
  const shape = transformerShape(checked.json, join(dir, HF_CONFIG_FILE));
  const data = await prepareCausalLmData(config, configDir, { tokenizerDir: dir, maxPositions: shape.maxPositions });
  const seqLength = Math.min(data.train.longestSequence(), data.maxLength);
  const plan = (parameters?: ParameterSummary) =>
    planConfig({ config, shape, seqLength, limit: checked.memory.limit, alternatives: checked.memory.alternatives, parameters, peft: options.peft });
  checkMemory(plan(), checked.memory, say, false);
  const lora = options.peft ? resolveLora(options.peft, shape.modelType, 'CAUSAL_LM', options.peftSource) : undefined;
  const { model, report } = await loadHfCausalLm(dir, { freeze: config.model.freeze, seed: config.training_args.seed, modelConfig: config.model, lora, baseModelName: options.baseName });
  try {
    const checkpoint = model.hf.checkpoint;
    await attachAdapter(model, lora, options);
    if (report.unused.length > 0) say('debug', `${dir}: weights not used by ${causalLmClass(checkpoint)}: ${report.unused.join(', ')}`);
    if (report.initialised.length > 0) say('warning', `Some weights of ${causalLmClass(checkpoint)} were not initialized from the checkpoint at ${dir} and are newly initialized: ${report.initialised.join(', ')}. Train this model before using it.`);
    for (const line of describeCausalData(data, config.data)) say(line.level, line.text);
    checkMemory(plan(parameterSummary(model.weights())), checked.memory, say, true);
    const counts = model.parameterCounts();
    say('info', `Fine-tuning ${checkpoint.modelType} (${causalLmClass(checkpoint)}) from ${dir}${describeAdapter(model, options)}: ${counts.total.toLocaleString('en-US')} parameters, ${counts.trainable.toLocaleString('en-US')} trainable; causal LM, max_length ${data.maxLength}.`);
    return {
      data,
      model,
      modelInfo: hfModelInfo(model, options.baseName),
      saveModelFiles: async (target) => {
        await saveModel(model, target, { config: config.model, dims: { numLabels: model.numLabels } });
        if (config.data.tokenizer) await data.tokenizer.save(target);
      },
      lossName: 'CrossEntropy',
      metricNames: config.metrics && config.metrics.length > 0 && config.metrics.join() !== resolveMetricNames({ model: { ...config.model }, metrics: undefined }).join() ? [...config.metrics] : ['perplexity'],
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Label names and feature scaling saved with a checkpoint. A fine-tuned tfjs LayersModel's
 * checkpoint has none of ours (its config.json describes the layers model); the data then
 * encode from the same training file, the same way.
 */
async function checkpointInfo(dir: string): Promise<ModelInfo | undefined> {
  try {
    return await readModelInfo(dir);
  } catch {
    return undefined;
  }
}

/** What a fine-tune keeps from our own checkpoint: feature scaling, and label names if the head size is unchanged. */
async function pretrainedInfo(dir: string, numLabels: number): Promise<ModelInfo> {
  const info = await readModelInfo(dir);
  return info.dims.numLabels === numLabels ? info : { ...info, labelNames: undefined };
}

function applyOverrides(config: TrainerConfig, options: RunOptions): TrainerConfig {
  return {
    ...config,
    ...(options.backend ? { backend: options.backend } : {}),
    training_args: {
      ...config.training_args,
      ...(options.maxSteps !== undefined ? { max_steps: options.maxSteps } : {}),
      ...(options.overwriteOutputDir ? { overwrite_output_dir: true } : {}),
    },
  };
}

function resolveResume(outputDir: string, request: string | boolean | undefined, configDir: string): string | undefined {
  if (request === undefined || request === false) return undefined;
  if (request === true) {
    const latest = latestCheckpoint(outputDir);
    if (!latest) throw new TrainerError(`Nothing to resume: ${outputDir} has no complete checkpoint. Start without --resume.`);
    return latest;
  }
  const dir = resolve(configDir, request);
  if (!existsSync(join(dir, 'trainer_state.json'))) {
    throw new TrainerError(`${dir} is not a complete checkpoint (it has no trainer_state.json). Pick one of: ${listCheckpoints(outputDir).map((c) => basename(c)).join(', ') || 'none'}.`);
  }
  return dir;
}

function describeAsyncFailure(failure: { error?: unknown; origin?: string }, module: TrainerModule | undefined): RunError {
  const described = describeError(failure.error, module);
  return { ...described, message: `${failure.origin ?? 'An error in user code'}: ${described.message}` };
}

function describeError(error: unknown, module: TrainerModule | undefined): RunError {
  // A DataError's message starts with its location; the location travels apart, so readers show it once.
  const message = error instanceof DataError ? error.detail : error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  let location: SourceLocation | undefined;
  if (error instanceof TrainerError) location = error.location;
  else if (error instanceof DataError) location = { file: error.file, line: error.line, column: error.column };
  location ??= module?.locate(error);
  if (isWasmHeapExhausted(error, wasmHeapBytes())) return { message: `${WASM_HEAP_EXHAUSTED_ADVICE} (${message})`, location, stack };
  if (error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === 'ENOSPC') {
    return { message: `The disk is full: ${message}. Free some space; checkpoints already written are intact, and --resume continues from the latest.`, location, stack };
  }
  return { message, location, stack };
}
