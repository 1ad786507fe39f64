/**
 * Values derived from a config that the Trainer and the editor must compute the same way:
 * the loss and metrics in effect, the evaluation interval, the best-model metric, total steps.
 */
import { LOSS_ALIASES, REPORT_TO, type LossName, type MetricName, type ReportIntegration, type TrainerConfig, type TrainingArguments } from './schema';

/** Regression when the model has one output (HF's `problem_type` rule for `num_labels == 1`). */
export function isRegression(config: Pick<TrainerConfig, 'model'>): boolean {
  return config.model.num_labels === 1;
}

/** The canonical loss: the configured one (aliases resolved), else CrossEntropy, or MSE for regression. */
export function resolveLossName(config: Pick<TrainerConfig, 'model' | 'loss_name'>): LossName {
  const configured = config.loss_name === undefined ? undefined : LOSS_ALIASES[config.loss_name];
  if (configured) return configured;
  return isRegression(config) ? 'MSE' : 'CrossEntropy';
}

/** Metrics computed at each evaluation: the configured list, else `[accuracy]`, or `[mse]` for regression. */
export function resolveMetricNames(config: Pick<TrainerConfig, 'model' | 'metrics'>): MetricName[] {
  if (config.metrics !== undefined) return [...config.metrics];
  return isRegression(config) ? ['mse'] : ['accuracy'];
}

/** Every name an evaluation logs: `eval_loss` and `eval_<metric>`, also accepted without the prefix. */
export function computedMetricKeys(config: Pick<TrainerConfig, 'model' | 'metrics'>): string[] {
  return ['loss', ...resolveMetricNames(config)];
}

/** `eval_steps`, defaulting to `logging_steps` as HF does. */
export function effectiveEvalSteps(args: Pick<TrainingArguments, 'eval_steps' | 'logging_steps'>): number {
  return args.eval_steps ?? args.logging_steps;
}

/** Losses and error metrics improve downwards; accuracy, f1 and the like upwards. `eval_` prefix allowed. */
export function isLowerBetterMetric(name: string): boolean {
  const metric = name.startsWith('eval_') ? name.slice('eval_'.length) : name;
  return metric.endsWith('loss') || metric === 'mse' || metric === 'mae' || metric === 'perplexity';
}

export interface BestModelSelection {
  /** The metric name without the `eval_` prefix, e.g. `loss` or `accuracy`. */
  metric: string;
  /** The key logged by evaluation, e.g. `eval_loss`. */
  logKey: string;
  greaterIsBetter: boolean;
}

/**
 * The metric that picks the best checkpoint, as HF resolves it: `loss` when best-model tracking
 * is needed and none is set; larger is better unless the name ends in `loss` (or is an error metric).
 * Undefined when nothing tracks a best model.
 */
export function resolveBestModelMetric(
  args: Pick<TrainingArguments, 'metric_for_best_model' | 'greater_is_better' | 'load_best_model_at_end' | 'lr_scheduler_type' | 'early_stopping_patience'>,
): BestModelSelection | undefined {
  const needed = args.load_best_model_at_end || args.lr_scheduler_type === 'reduce_lr_on_plateau' || args.early_stopping_patience != null;
  const configured = args.metric_for_best_model;
  if (configured == null && !needed) return undefined;
  const name = configured ?? 'loss';
  const metric = name.startsWith('eval_') ? name.slice('eval_'.length) : name;
  return { metric, logKey: `eval_${metric}`, greaterIsBetter: args.greater_is_better ?? !isLowerBetterMetric(metric) };
}

export interface TotalSteps {
  /** Optimizer steps per epoch: max(floor(batches / gradient_accumulation_steps), 1). */
  stepsPerEpoch: number;
  /** Optimizer steps in the whole run (`max_steps` when > 0). */
  totalSteps: number;
  /** Epochs the loop runs (whole epochs, rounded up). */
  numEpochs: number;
  /** Micro-batches per epoch (the dataloader length). */
  batchesPerEpoch: number;
}

/**
 * HF Trainer's step arithmetic (`_inner_training_loop`): the dataloader yields ceil(rows / batch)
 * batches (floor with `dataloader_drop_last`); an optimizer step takes `gradient_accumulation_steps`
 * of them; `max_steps` > 0 overrides `num_train_epochs`.
 */
export function computeTotalSteps(
  config: { training_args: Pick<TrainingArguments, 'per_device_train_batch_size' | 'gradient_accumulation_steps' | 'dataloader_drop_last' | 'num_train_epochs' | 'max_steps'> },
  trainRows: number,
): TotalSteps {
  const args = config.training_args;
  const rows = Math.max(0, Math.floor(trainRows));
  const batchSize = Math.max(1, args.per_device_train_batch_size);
  const batchesPerEpoch = args.dataloader_drop_last ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
  const stepsPerEpoch = Math.max(Math.floor(batchesPerEpoch / Math.max(1, args.gradient_accumulation_steps)), 1);
  if (args.max_steps > 0) {
    return { stepsPerEpoch, totalSteps: args.max_steps, numEpochs: Math.ceil(args.max_steps / stepsPerEpoch), batchesPerEpoch };
  }
  return {
    stepsPerEpoch,
    totalSteps: Math.ceil(args.num_train_epochs * stepsPerEpoch),
    numEpochs: Math.ceil(args.num_train_epochs),
    batchesPerEpoch,
  };
}

/** Integrations this trainer offers (`all` means these). */
export const SUPPORTED_REPORT_INTEGRATIONS: readonly ReportIntegration[] = Object.keys(REPORT_TO).filter(
  (k): k is ReportIntegration => k !== 'none' && k !== 'all',
);

export interface ReportTargets {
  /** What the run writes, each once. */
  integrations: ReportIntegration[];
  /** Names given that this trainer does not offer (wandb, mlflow, typos), in the order written. */
  unsupported: string[];
}

/** `report_to` as HF's TrainingArguments reads it: `none` or `["none"]` is nothing, `all` every offered integration, a string one. */
export function resolveReportTo(args: Pick<TrainingArguments, 'report_to'>): ReportTargets {
  const names = typeof args.report_to === 'string' ? [args.report_to] : [...args.report_to];
  const integrations = new Set<ReportIntegration>();
  const unsupported: string[] = [];
  for (const name of names) {
    if (name === 'none') continue;
    if (name === 'all') SUPPORTED_REPORT_INTEGRATIONS.forEach((i) => integrations.add(i));
    else if ((SUPPORTED_REPORT_INTEGRATIONS as readonly string[]).includes(name)) integrations.add(name as ReportIntegration);
    else unsupported.push(name);
  }
  return { integrations: [...integrations], unsupported };
}
