/**
 * THE trainer event protocol. The trainer process emits these; the extension host relays them
 * to the webview; metrics.jsonl stores one per line. Declared once, imported everywhere.
 * No tfjs, vscode or Node imports here: every bundle shares this file.
 */
import type { RunModelInfo } from './parameters';

export const PROTOCOL_VERSION = 1;

/** A place in a file, 1-based line and column, as printed in `file:line:col`. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface BackendInfo {
  /** tfjs backend name: tensorflow, webgpu, wasm, cpu. */
  name: string;
  /** Human-readable device: "CPU (2 threads, SIMD)", the GPU adapter name, ... */
  device: string;
  simd?: boolean;
  threads?: number;
  /** Which kernels run: "wasm" (pure), or "wasm + native BLAS (OpenBLAS 0.3.21, 2 threads)". */
  kernels?: string;
  /** backend webgpu: the adapter used and the limits its device was given. */
  adapter?: GpuAdapterSummary;
}

/** The WebGPU limits that decide what fits, in bytes (as the device reports them). */
export interface GpuLimits {
  /** The largest buffer, so the largest tensor. */
  maxBufferSize: number;
  /** The largest buffer one shader binds: every tfjs tensor is bound as one. */
  maxStorageBufferBindingSize: number;
  /** Shared memory per workgroup: bounds the tiles of matmul and fused kernels. */
  maxComputeWorkgroupStorageSize: number;
}

export interface GpuAdapterSummary {
  /** GPUAdapterInfo.description, or the name Dawn lists it under. */
  name: string;
  vendor: string;
  architecture: string;
  /** Dawn's backend: vulkan, metal, d3d12, opengl… */
  backend?: string;
  /** A CPU rasteriser (lavapipe, SwiftShader). */
  software: boolean;
  limits: GpuLimits;
}

export interface RunStartEvent {
  type: 'runStart';
  protocol: number;
  runId: string;
  time: number;
  configPath: string;
  outputDir: string;
  /** The resolved config, as written to config.resolved.json. */
  config: unknown;
  totalSteps: number;
  numEpochs: number;
  stepsPerEpoch: number;
  trainExamples: number;
  evalExamples: number;
  backend: BackendInfo;
  /** What is fine-tuned: the checkpoint, its parameters and the trainable ones (a LoRA adapter's shape). */
  model?: RunModelInfo;
  /** Set when the run continues from a checkpoint. */
  resumedFrom?: string;
  resumedStep?: number;
}

export interface LogEvent {
  type: 'log';
  time: number;
  step: number;
  epoch: number;
  loss: number;
  learning_rate: number;
  grad_norm?: number;
  samples_per_second: number;
  steps_per_second: number;
}

export interface EvalEvent {
  type: 'eval';
  time: number;
  step: number;
  epoch: number;
  /** HF-style keys: eval_loss, eval_accuracy, ... */
  metrics: Record<string, number>;
}

/** One prompt's completion at an evaluation. */
export interface GenerationSample {
  prompt: string;
  /** The generated text alone, decoded without special tokens. */
  completion: string;
  /** The generated token ids (EOS included when it ended the completion). */
  tokens: number[];
  /** `eos`: an end-of-sequence token was generated; `length`: max_new_tokens ran out. */
  finish: 'eos' | 'length';
}

/** Causal language models: the `generation` prompts completed at an evaluation, one event per evaluation. */
export interface GenerationsEvent {
  type: 'generations';
  time: number;
  step: number;
  epoch: number;
  /** greedy, or the sampling settings, as a short label (`greedy`, `sample t=0.7 top_k=50 top_p=0.9`). */
  decoding: string;
  samples: GenerationSample[];
}

export interface CheckpointEvent {
  type: 'checkpoint';
  time: number;
  step: number;
  path: string;
  /** Whether this is currently the best checkpoint by metric_for_best_model. */
  isBest: boolean;
  /** Checkpoints removed by save_total_limit rotation. */
  deleted: string[];
}

export interface ProgressEvent {
  type: 'progress';
  time: number;
  step: number;
  totalSteps: number;
  epoch: number;
  /** Seconds, estimated from the average step rate since the run (or resume) started. */
  eta: number;
}

export interface LogMessageEvent {
  type: 'message';
  time: number;
  /** `debug`: details such as which backends `auto` skipped; shown on request (CLI --verbose, the Output channel's trace). */
  level: 'debug' | 'info' | 'warning' | 'error';
  text: string;
}

/**
 * A Hub model (`model.from_pretrained: org/name`) being downloaded into the cache before the run
 * starts: the dashboard's and the editor's "downloading model" phase. Throttled by the writer;
 * the last one of a download has `done: true`.
 */
export interface DownloadEvent {
  type: 'download';
  time: number;
  /** The Hub id as the config names it: org/name[@revision]. */
  model: string;
  /** The file being fetched now; empty while the Hub is asked what to fetch. */
  file: string;
  /** Bytes of this download on disk so far (all files), and in all (0 until known). */
  bytes: number;
  total: number;
  /** Bytes per second since the download began. */
  rate: number;
  /** Seconds left at that rate; absent before any byte arrived. */
  eta?: number;
  done: boolean;
}

export type RunStatus = 'completed' | 'stopped' | 'failed';

export interface RunError {
  message: string;
  location?: SourceLocation;
  stack?: string;
}

export interface RunEndEvent {
  type: 'runEnd';
  time: number;
  status: RunStatus;
  step: number;
  epoch: number;
  error?: RunError;
  /** The checkpoint written when the run was stopped. */
  checkpoint?: string;
  bestCheckpoint?: string;
  bestMetric?: number;
  trainRuntime: number;
}

/**
 * What the scheduler says about a run launched as a batch job (Slurm). The launcher emits it, not
 * the trainer: when the job's state changes, and once more when it ends, with the exit code and,
 * unless it completed, the tail of the job's stderr file. The trainer's own events arrive through
 * metrics.jsonl on the shared filesystem as for a local run.
 */
export interface JobEvent {
  type: 'job';
  time: number;
  scheduler: 'slurm';
  /** `123`, or `123_4` for an array task. */
  jobId: string;
  /** Slurm's state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ... */
  state: string;
  /** Whether Slurm still holds the job (pending, running, requeued) rather than having ended it. */
  active: boolean;
  /** squeue's reason: why it waits (Resources, BeginTime, PartitionTimeLimit) or ended (NonZeroExitCode). */
  reason?: string;
  /** The batch script's exit code and the signal that ended it, once the job ended. */
  exitCode?: number;
  signal?: number;
  /** The login node the Slurm commands ran on over ssh; absent when they ran here. */
  host?: string;
  /** The job's stderr file and its last lines, when it ended other than COMPLETED. */
  stderrFile?: string;
  stderrTail?: string[];
}

export type TrainerEvent =
  | RunStartEvent
  | JobEvent
  | LogEvent
  | EvalEvent
  | GenerationsEvent
  | CheckpointEvent
  | ProgressEvent
  | LogMessageEvent
  | DownloadEvent
  | RunEndEvent;

export type TrainerEventType = TrainerEvent['type'];

/** Control messages from the host (or the CLI's SIGINT handler) to the trainer. */
export type ControlMessage =
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }
  /** Ask for an immediate checkpoint without stopping. */
  | { type: 'save' };
