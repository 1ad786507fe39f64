/**
 * Hugging Face `TrainingArguments` fields this trainer does not take as they are: renamed ones
 * (recognised, with the new name) and unsupported ones (each with the reason). People paste HF
 * configs; they get a precise message instead of "unknown key".
 */
import type { JsonValue, ScalarValue } from './tree';

export interface RenamedHfKey {
  from: string;
  to: string;
  /** When Hugging Face renamed it, e.g. `deprecated in transformers 4.41, removed in 4.46`. */
  since: string;
  /** When the old field took other values than the new one: old value (as text) -> new value. */
  values?: Readonly<Record<string, ScalarValue>>;
}

export const RENAMED_HF_KEYS: readonly RenamedHfKey[] = [
  { from: 'evaluation_strategy', to: 'eval_strategy', since: 'deprecated in transformers 4.41, removed in 4.46' },
  { from: 'per_gpu_train_batch_size', to: 'per_device_train_batch_size', since: 'deprecated in transformers 2.9' },
  { from: 'per_gpu_eval_batch_size', to: 'per_device_eval_batch_size', since: 'deprecated in transformers 2.9' },
  { from: 'evaluate_during_training', to: 'eval_strategy', since: 'replaced by `evaluation_strategy` in transformers 3.4', values: { true: 'steps', false: 'no' } },
];

export interface UnsupportedHfKey {
  key: string;
  /** Why this trainer cannot honour it; shown after "not supported by this trainer:". */
  reason: string;
  /** Values that mean "off" (the HF default); with one of these the key is harmless. */
  offValues: readonly JsonValue[];
}

const PRECISION = 'TensorFlow.js trains in float32; mixed and reduced precision are not available';
const DISTRIBUTED = 'training runs in one process on one device; there is no distributed training';
const HUB = 'the Hugging Face Hub is not used; runs stay in `output_dir`';
const COMPILE = 'there is no torch.compile or kernel fusion in TensorFlow.js';
const LOADER = 'data is read in the training process; there are no dataloader workers';
const DEVICE = 'the device follows the `backend` setting (top level), not a TrainingArguments flag';
const REPORTING = 'metrics go to `metrics.jsonl`, the dashboard, the CLI and TensorBoard (`report_to`); trackio is not supported';
const SCRIPT = 'only used by HF example scripts, not by the Trainer; the CLI command chooses what runs';

const unsupported = (reason: string, offValues: readonly JsonValue[], ...keys: string[]): UnsupportedHfKey[] =>
  keys.map((key) => ({ key, reason, offValues }));

export const UNSUPPORTED_HF_KEYS: readonly UnsupportedHfKey[] = [
  ...unsupported(PRECISION, [false, null], 'fp16', 'bf16', 'fp16_full_eval', 'bf16_full_eval', 'tf32'),
  ...unsupported(PRECISION, [null, 'O1', 'auto'], 'fp16_opt_level', 'half_precision_backend', 'fp16_backend'),
  ...unsupported(DISTRIBUTED, [-1], 'local_rank'),
  ...unsupported(DISTRIBUTED, [null, false, '', []], 'ddp_backend', 'ddp_find_unused_parameters', 'ddp_bucket_cap_mb', 'ddp_broadcast_buffers', 'fsdp', 'fsdp_config', 'fsdp_min_num_params', 'fsdp_transformer_layer_cls_to_wrap', 'deepspeed', 'sharded_ddp', 'accelerator_config', 'parallelism_config', 'dispatch_batches', 'split_batches', 'even_batches', 'tpu_num_cores', 'xpu_backend', 'mp_parameters', 'save_on_each_node'),
  ...unsupported(DISTRIBUTED, [1800], 'ddp_timeout'),
  ...unsupported(DISTRIBUTED, [true], 'log_on_each_node', 'average_tokens_across_devices'),
  ...unsupported(HUB, [false, null, 'every_save'], 'push_to_hub', 'hub_model_id', 'hub_strategy', 'hub_token', 'hub_private_repo', 'hub_always_push', 'hub_revision', 'push_to_hub_model_id', 'push_to_hub_organization', 'push_to_hub_token'),
  ...unsupported(COMPILE, [false, null], 'torch_compile', 'torch_compile_backend', 'torch_compile_mode', 'use_liger_kernel', 'liger_kernel_config', 'use_ipex', 'jit_mode_eval', 'torchdynamo'),
  ...unsupported('`gradient_checkpointing` recomputes whole decoder blocks; there are no checkpointing options and no device cache to empty', [false, null, {}], 'gradient_checkpointing_kwargs', 'torch_empty_cache_steps'),
  ...unsupported('the batch size is fixed by `per_device_train_batch_size`; there is no out-of-memory retry', [false], 'auto_find_batch_size'),
  ...unsupported(LOADER, [0], 'dataloader_num_workers'),
  ...unsupported(LOADER, [true, false, null], 'dataloader_pin_memory', 'dataloader_persistent_workers', 'dataloader_prefetch_factor'),
  ...unsupported('batches are shuffled uniformly (seeded by `data_seed`); length grouping and other samplers are not available', [false, 'random', 'length'], 'group_by_length', 'train_sampling_strategy', 'length_column_name'),
  ...unsupported('columns are chosen by `data.text_column`, `data.label_column` and `data.feature_columns`', [true, null], 'remove_unused_columns', 'label_names'),
  ...unsupported(DEVICE, [false], 'use_cpu', 'no_cuda', 'use_mps_device'),
  ...unsupported(REPORTING, [null, 'huggingface', 'trackio'], 'project', 'trackio_space_id'),
  ...unsupported('logging follows `logging_strategy`/`logging_steps`; log levels are not configurable', [true, 'passive', 'warning', null], 'log_level', 'log_level_replica', 'logging_nan_inf_filter'),
  ...unsupported('evaluation always computes the loss and the configured `metrics` over the whole eval file', [false, true, null, []], 'prediction_loss_only', 'include_inputs_for_metrics', 'include_for_metrics', 'batch_eval_metrics', 'eval_do_concat_batches', 'eval_use_gather_object', 'eval_accumulation_steps', 'include_num_input_tokens_seen', 'include_tokens_per_second', 'skip_memory_metrics'),
  ...unsupported('evaluation follows `eval_strategy` (and `eval_on_start`); a delay is not available', [0], 'eval_delay'),
  ...unsupported(SCRIPT, [false, null], 'do_train', 'do_eval', 'do_predict'),
  ...unsupported('checkpoints always hold model, optimizer, scheduler and RNG state, written as safetensors', [false, true, null], 'save_only_model', 'save_safetensors', 'enable_jit_checkpoint', 'restore_callback_states_from_checkpoint', 'ignore_data_skip'),
  ...unsupported('the optimizer is chosen with `optim`; Adafactor, 8-bit, GaLore and similar optimizers are not available', [false, null], 'adafactor', 'optim_target_modules'),
  ...unsupported('runs are deterministic per backend with `seed`; the `cpu` backend is bit-for-bit reproducible', [false], 'full_determinism'),
  ...unsupported('not available in this trainer', [false, null, '', []], 'debug', 'tpu_metrics_debug', 'neftune_noise_alpha', 'use_cache', 'use_legacy_prediction_loop', 'ray_scope', 'predict_with_generate', 'generation_max_length', 'generation_num_beams', 'generation_config', 'sortish_sampler'),
];

export function findRenamedHfKey(key: string): RenamedHfKey | undefined {
  return RENAMED_HF_KEYS.find((entry) => entry.from === key);
}

export function findUnsupportedHfKey(key: string): UnsupportedHfKey | undefined {
  return UNSUPPORTED_HF_KEYS.find((entry) => entry.key === key);
}

/** Whether `value` is one of the entry's "off" values (deep equality on plain JSON). */
export function isOffValue(entry: UnsupportedHfKey, value: JsonValue | undefined): boolean {
  const text = JSON.stringify(value ?? null);
  return entry.offValues.some((off) => JSON.stringify(off) === text);
}
