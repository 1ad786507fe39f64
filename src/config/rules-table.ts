/**
 * Every problem code, with its default severity and documentation. Codes are stable: tools and
 * people filter on them, and docs/config.md is generated from this table.
 */
import type { Severity } from './problems';

export interface RuleInfo {
  code: string;
  /** Short kebab-case name. */
  name: string;
  severity: Severity;
  title: string;
  /** Markdown: why it matters and what to do. */
  doc: string;
}

const rule = (code: string, name: string, severity: Severity, title: string, doc: string): RuleInfo => ({ code, name, severity, title, doc });

export const RULES = [
  rule('FTS001', 'syntax-error', 'error', 'YAML or JSON syntax error', 'The text cannot be parsed. The position is where the parser gave up; the mistake is often just before it (a missing `:`, a bad indent, an unclosed bracket).'),
  rule('FTS002', 'duplicate-key', 'error', 'Duplicate key', 'A key appears twice in one mapping. YAML and `JSON.parse` keep the last one silently; remove the one you did not mean.'),
  rule('FTS003', 'not-a-config', 'error', 'Not a config object', 'The document is empty or its top level is not a mapping. A config needs at least `data.train_file`.'),
  rule('FTS004', 'too-deep', 'error', 'Nesting too deep', 'The document nests deeper than any config can; it is probably not a trainer config.'),
  rule('FTS005', 'unreadable', 'error', 'Config file unreadable', 'The config file does not exist or cannot be read.'),
  rule('FTS006', 'alias-expansion', 'error', 'Aliases expand too far', 'YAML aliases (`*name`) repeat the value anchored as `&name`. Nested aliases multiply: ten lines of them can stand for billions of values. Aliases may add at most 10,000 values to a config (the `yaml` package guards against the same attack with `maxAliasCount`); an alias inside the value it names, which would repeat forever, is refused too.'),
  rule('FTS007', 'too-many-problems', 'error', 'More problems than are listed', 'At most 1,000 problems are listed per file (a generated or hostile file can hold one per line). The last one listed says how many more there are; fix the listed ones first. It is an error when any problem left out is.'),
  rule('FTS100', 'unknown-key', 'error', 'Unknown key', 'The key is not part of the schema. When a known key is close (a typo), the message suggests it and a quick fix renames it.'),
  rule('FTS101', 'wrong-type', 'error', 'Wrong value type', 'The value has the wrong type, e.g. `num_train_epochs: "three"`. A quoted number or a YAML 1.1 boolean (`yes`) gets a quick fix.'),
  rule('FTS102', 'out-of-range', 'error', 'Value out of range', 'A number is below the minimum or above the maximum the field allows (for example a batch size of 0).'),
  rule('FTS103', 'not-allowed-value', 'error', 'Value not allowed', 'The value is not one of the allowed values; the message lists them and suggests the closest.'),
  rule('FTS104', 'missing-key', 'error', 'Missing required key', 'A key without a default is missing, e.g. `data.train_file`. The problem points at the parent key.'),
  rule('FTS105', 'duplicate-item', 'error', 'Duplicate list item', 'The list must not repeat items (for example `metrics`).'),
  rule('FTS106', 'misplaced-key', 'error', 'Key in the wrong section', 'The key exists, but in another section: for example `learning_rate` belongs under `training_args`, and `metrics` at the top level.'),
  rule('FTS110', 'renamed-hf-key', 'warning', 'Renamed Hugging Face argument', 'Hugging Face renamed this `TrainingArguments` field. The old name still works here (its value is used under the new name) but a quick fix renames it.'),
  rule('FTS111', 'renamed-and-new-key', 'error', 'Old and new name both set', 'Both the old and the renamed Hugging Face argument are set; keep only the new name.'),
  rule('FTS120', 'unsupported-hf-key', 'error', 'Hugging Face argument not supported', 'The field exists in Hugging Face `TrainingArguments` but this TensorFlow.js trainer cannot honour it (mixed precision, distributed training, the Hub, ...). The message says why; the quick fix removes it.'),
  rule('FTS121', 'unsupported-hf-key-at-default', 'information', 'Hugging Face argument with no effect', 'An unsupported Hugging Face argument set to its off/default value: harmless, but it does nothing here. The quick fix removes it.'),
  rule('FTS200', 'best-model-needs-eval', 'error', '`load_best_model_at_end` needs evaluation', 'A best model can only be chosen from evaluations: set `eval_strategy` to `steps` or `epoch`. (HF raises the same error at start-up.)'),
  rule('FTS201', 'best-model-strategy-mismatch', 'error', 'Save and eval strategies differ', 'With `load_best_model_at_end`, `save_strategy` must equal `eval_strategy`, so that every evaluated model has a checkpoint. The quick fix aligns `save_strategy`.'),
  rule('FTS202', 'save-steps-multiple', 'error', '`save_steps` not a multiple of `eval_steps`', 'With `load_best_model_at_end` and the `steps` strategy, `save_steps` must be a round multiple of `eval_steps` (which defaults to `logging_steps`). The quick fix rounds `save_steps`.'),
  rule('FTS203', 'metric-not-computed', 'error', 'Best-model metric is not computed', '`metric_for_best_model` must be `loss` or one of the metrics computed at evaluation (`metrics`, default `[accuracy]` for classification and `[mse]` for regression), with or without the `eval_` prefix.'),
  rule('FTS204', 'eval-needs-eval-file', 'error', 'Evaluation without `data.eval_file`', 'An `eval_strategy` other than `no`, or `eval_on_start`, needs evaluation data: set `data.eval_file`.'),
  rule('FTS205', 'warmup-both', 'warning', 'Both warmup settings', '`warmup_steps` and `warmup_ratio` are both set; `warmup_steps` wins and `warmup_ratio` is ignored.'),
  rule('FTS206', 'file-not-found', 'error', 'Referenced file not found', 'A path in the config (`data.train_file`, `data.eval_file`, `data.tokenizer`, `trainer`, `model.from_pretrained`) does not exist. Paths are relative to the config file.'),
  rule('FTS207', 'interval-beyond-run', 'warning', 'Interval longer than the run', '`logging_steps`, `eval_steps` or `save_steps` is larger than the total number of optimizer steps, computed from the training rows, batch size, gradient accumulation and epochs (or `max_steps`), so it never fires.'),
  rule('FTS208', 'heads-divide-embedding', 'error', '`num_heads` must divide `embedding_dim`', 'Multi-head attention splits the embedding into equal heads: for `transformer-encoder`, `embedding_dim` must be a multiple of `num_heads`.'),
  rule('FTS209', 'early-stopping-requirements', 'error', 'Early stopping needs evaluation and best-model loading', 'As HF\'s `EarlyStoppingCallback` asserts: `early_stopping_patience` needs `eval_strategy` other than `no` and `load_best_model_at_end: true`.'),
  rule('FTS210', 'plateau-needs-eval', 'error', '`reduce_lr_on_plateau` needs evaluation', 'The plateau scheduler steps on evaluation results, so it needs `eval_strategy` other than `no` (HF raises the same error).'),
  rule('FTS211', 'empty-data-file', 'error', 'Data file has no rows', 'The training or evaluation file holds no data rows.'),
  rule('FTS212', 'loss-task-mismatch', 'warning', 'Loss does not fit the task', 'A classification loss with `num_labels: 1` (regression), or a regression loss with several classes. The loss is then meaningless or fails on shapes. Also `label_smoothing_factor` with regression or a loss other than CrossEntropy: it replaces the loss with smoothed cross-entropy, as HF does.'),
  rule('FTS213', 'metric-task-mismatch', 'warning', 'Metric does not fit the task', 'A classification metric (accuracy, f1, precision, recall) for regression, or a regression metric (mse, mae) for classification.'),
  rule('FTS214', 'column-not-found', 'error', 'Column not in the data', '`data.text_column`, `data.label_column` or a `data.feature_columns` entry names a column the training file does not have (checked against the first JSONL record or the CSV header). The message lists the columns and suggests the closest.'),
  rule('FTS215', 'unsupported-report-integration', 'warning', '`report_to` names an integration this trainer does not offer', 'Hugging Face reports to wandb, mlflow, comet_ml and others; this trainer writes TensorBoard event files only (`report_to: tensorboard`, or `all`). Other names are ignored, so the run is not tracked there: the warning says so rather than dropping them silently. `none` reports nowhere but `metrics.jsonl` and the dashboard.'),
  rule('FTS216', 'not-a-regular-file', 'error', 'Not a regular file', '`data.train_file`, `data.eval_file` or `trainer` names a folder, or something that is not a file at all: a device such as `/dev/stdin` or `/dev/zero`, a FIFO, a socket. Those are never read (reading could block forever or never end); name a regular file.'),
  rule('FTS217', 'data-file-format', 'error', 'Unknown data file format', '`data.train_file` and `data.eval_file` are read by their extension: `.jsonl`, `.json` or `.ndjson` (one JSON object per line) or `.csv` (a header row, then data rows). Rename the file, or convert it.'),
  rule('FTS218', 'output-dir-not-a-folder', 'error', '`output_dir` names a file', '`training_args.output_dir` names an existing file (or a device, FIFO or socket) instead of a folder, where a run cannot write its checkpoints and metrics. Choose a folder path.'),
  rule('FTS220', 'hub-model-offline-missing', 'error', 'Hub model not in the cache, offline', '`model.from_pretrained` names a Hub id that is not (completely) in the Hugging Face cache, and `HF_HUB_OFFLINE=1` forbids downloading it. The message lists what is missing; run `finetune-studio download <id>` where the Hub is reachable.'),
  rule('FTS221', 'hub-revision-not-cached', 'warning', 'Hub revision not in the cache', 'The Hub model is cached, but not at the revision after `@` (or not all of its files): the run downloads it at start. The message lists the cached revisions.'),
  rule('FTS230', 'hf-unsupported-model-type', 'error', 'Checkpoint architecture not supported', 'The `config.json` of the `from_pretrained` folder has a `model_type` this trainer cannot build. The message lists the supported ones (bert, roberta, distilbert, xlm-roberta, gpt2, llama, qwen2, mistral).'),
  rule('FTS231', 'hf-max-length-over-positions', 'error', '`max_length` above the checkpoint\'s positions', '`model.max_length` is larger than the positions the checkpoint has (`max_position_embeddings`; RoBERTa loses `padding_idx + 1` of them). Longer rows could not be embedded; lower it.'),
  rule('FTS232', 'hf-pickle-only', 'error', 'Checkpoint weights only as a pickle', 'The folder has `pytorch_model.bin` and no safetensors. Loading a pickle can run arbitrary code, so it is refused; convert it once with transformers (`save_pretrained(dir, safe_serialization=True)`) where you trust the file.'),
  rule('FTS233', 'hf-architecture-ignored', 'warning', '`architecture` set with a Hugging Face checkpoint', 'A Hugging Face checkpoint decides its architecture from `config.json` (`model_type`); `model.architecture` is not used. Remove it.'),
  rule('FTS234', 'hf-new-head', 'information', 'The data\'s labels are not the checkpoint\'s', 'Label names in the training data that the checkpoint\'s `id2label` does not have: the classification head is initialised anew (as transformers does when the label count changes), and the saved `config.json` gets the data\'s labels.'),
  rule('FTS235', 'memory-plan-over-limit', 'warning', 'One training step does not fit in the backend\'s memory', 'The memory plan (weights, gradients and optimizer state of the trainable weights, activations at `per_device_train_batch_size` × `max_length`) is above the backend\'s limit: the wasm heap\'s 4 GiB (also for `backend: auto`, which falls back to wasm), or the machine\'s memory. The run would refuse to start. Quick fixes apply what would fit: LoRA (`peft`), a smaller batch with more `gradient_accumulation_steps` (the same effective batch), `gradient_checkpointing` (decoders), or another backend. `ignore_memory_plan: true` starts anyway.'),
  rule('FTS236', 'hf-config-unsupported', 'error', 'Checkpoint settings not supported', 'The `config.json` of the `from_pretrained` folder asks for something this trainer does not implement: a `rope_scaling` / `rope_parameters` type other than default and linear, sequence classification on a decoder, `model.task: causal-lm` on an encoder, or sizes that do not fit together. The message names the setting and what is supported.'),
  rule('FTS240', 'chat-template-missing', 'error', '`messages` data without a chat template', 'The training rows are conversations (`data.format: messages`, or a `messages` column), which are rendered with the tokenizer\'s chat template, but the tokenizer folder (`data.tokenizer` or `model.from_pretrained`) has neither `chat_template.jinja` nor a `chat_template` in `tokenizer_config.json`. Set `data.chat_template` to a `.jinja` file or to the template text.'),
  rule('FTS241', 'causal-data-shape', 'error', 'No language-model columns in the data', 'A causal language model (`model.task: causal-lm`, or a checkpoint whose `architectures` is `*ForCausalLM`) reads `text`, `prompt` + `completion` or `messages` rows (`data.format`, column names mappable). The training file has none of them; an Alpaca (`instruction`/`input`/`output`) or ShareGPT (`conversations` of `from`/`value`) file gets the mapping to write.'),
  rule('FTS250', 'peft-target-no-match', 'error', '`peft.target_modules` matches no linear layer', 'LoRA adapts the checkpoint\'s linear layers whose names `peft.target_modules` matches (a list entry equals the name or its last dotted parts; a string is a regular expression over the whole name; `all-linear` is every linear layer but the head). None matched: the message lists the checkpoint\'s linear modules.'),
  rule('FTS251', 'peft-needs-hf-checkpoint', 'error', '`peft` without a base checkpoint', '`peft:` puts LoRA adapters on a Hugging Face checkpoint: `model.from_pretrained` must name one (a folder with `config.json`, or a Hub id). An adapter folder (with `adapter_config.json`) carries its own LoRA settings: continue it without `peft:`.'),
  rule('FTS252', 'peft-target-regex', 'error', '`peft.target_modules` is not a valid regular expression', 'A string `target_modules` (other than `all-linear`) is a regular expression that must match a whole module name, as PEFT\'s `re.fullmatch`.'),
  rule('FTS300', 'sweep-unknown-parameter', 'error', 'Sweep parameter is not a trainer field', 'A key under a sweep file\'s `parameters` must be a dotted trainer-config path such as `training_args.learning_rate` or `model.dropout`. The message suggests the closest field; a quick fix renames the key.'),
  rule('FTS301', 'sweep-parameter-spec', 'error', 'Sweep parameter has no valid range', 'A parameter needs either `values` (grid or choice) or a `distribution` (`uniform`, `log_uniform`, `int_uniform`) with `min` < `max`; `log_uniform` needs `min` > 0; `method: grid` needs `values`. Values and bounds are checked against the trainer field they set.'),
  rule('FTS302', 'sweep-base-config', 'error', 'Sweep base config missing or invalid', '`base` must name an existing trainer config (`*.trainer.yaml`, `*.trainer.yml`, `*.trainer.json`) that validates; its problems are summarised here.'),
  rule('FTS303', 'sweep-trials', 'error', 'Sweep trial count', '`method: random` needs `trials`. A grid whose combinations exceed `trials` runs only the first `trials` (a warning).'),
  rule('FTS304', 'sweep-objective', 'error', 'Sweep objective not computed', '`objective.metric_for_best_model` must be `loss` or a metric the base config computes at evaluation, with or without `eval_`.'),
  rule('FTS305', 'sweep-early-termination', 'error', 'Early termination needs step evaluations', 'ASHA compares trials at rungs measured in optimizer steps, so the base config needs `eval_strategy: steps` (and its `eval_steps` should divide `min_steps`).'),
] as const satisfies readonly RuleInfo[];

export type RuleCode = (typeof RULES)[number]['code'];

export function ruleInfo(code: RuleCode): RuleInfo {
  return RULES.find((r) => r.code === code) as RuleInfo;
}
