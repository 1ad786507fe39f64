/**
 * Our side of the GPU bench: one model of bench/gpu/shapes.json, built from its config.json fields
 * with transformers' random initialisation (no files), trained by the real Trainer (AdamW, linear
 * schedule, max_grad_norm 1) on one backend. A few warm-up steps, then timed steps closed by a
 * read of a weight, so queued GPU work is inside the time. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainingArgumentsSchema, type TrainingArguments } from '../../src/config/schema';
import { applyDefaults, shapeOf } from '../../src/config/schema-shape';
import type { JsonValue } from '../../src/config/tree';
import { initBackend, type BackendName } from '../../src/trainer/backends';
import { BlockDataset, type TensorDataset } from '../../src/trainer/data';
import { CausalLmDataset } from '../../src/trainer/data/causal/causal-dataset';
import { normal, ones, zeros, type Initializer } from '../../src/trainer/models/init';
import { WeightStore } from '../../src/trainer/models/weights';
import { buildBertFamily } from '../../src/trainer/models/hf/encoders';
import { buildDecoder } from '../../src/trainer/models/hf/decoders';
import { HfCausalLmModel, HfEncoderModel, problemTypeOf, readDecoderConfig, readEncoderConfig } from '../../src/trainer/models/hf';
import type { ParamKind } from '../../src/trainer/models/hf/layers';
import { mulberry32 } from '../../src/trainer/random';
import { Trainer } from '../../src/trainer/trainer';
import type { TrainableModel } from '../../src/trainer/types';

export interface ShapeSpec {
  title: string;
  seq: number;
  batch: number;
  config: Record<string, unknown>;
}

export interface OursOptions {
  shape: ShapeSpec;
  backend: BackendName;
  warmup: number;
  steps: number;
  seed?: number;
}

export interface OursResult {
  side: 'ours';
  backend: string;
  device: string;
  params: number;
  warmupSteps: number;
  timedSteps: number;
  seconds: number;
  samplesPerSecond: number;
  tokensPerSecond: number;
  /** The loss of the last step (read once, after the timing). */
  lastLoss: number | undefined;
}

/** transformers' _init_weights: Linear and Embedding normal(0, initializer_range), biases 0, norms 1/0. */
function initializer(kind: ParamKind, std: number): Initializer {
  if (kind === 'linear' || kind === 'embedding') return normal(std);
  return kind === 'norm-weight' ? ones : zeros;
}

/** The model and a dataset of full-length random rows, one epoch of `steps` batches. */
export function buildModelAndData(shape: ShapeSpec, steps: number, seed: number): { model: TrainableModel; dataset: TensorDataset } {
  const random = mulberry32(seed);
  const rows = shape.batch * steps;
  const json = shape.config;
  const store = new WeightStore(seed, []);
  const std = typeof json.initializer_range === 'number' ? json.initializer_range : 0.02;
  const param = (name: string, dims: number[], kind: ParamKind): tf.Variable => store.add(name, dims, initializer(kind, std));
  const vocab = Number(json.vocab_size);
  const randomIds = (n: number) => Int32Array.from({ length: n }, () => 1 + Math.floor(random() * (vocab - 1)));
  if (json.model_type === 'llama') {
    const checkpoint = readDecoderConfig(json, 'bench/gpu/shapes.json');
    const network = buildDecoder(checkpoint, param);
    const model = new HfCausalLmModel(network, store, seed, { checkpoint, rawConfig: json, sourceDir: '', transposedOnDisk: new Set() });
    const ids = Array.from({ length: rows }, () => randomIds(shape.seq));
    return { model, dataset: new CausalLmDataset({ ids, labels: ids, padId: 0 }) };
  }
  const checkpoint = readEncoderConfig(json, 'bench/gpu/shapes.json');
  const spec = buildBertFamily(checkpoint, checkpoint.numLabels, param);
  const model = new HfEncoderModel(spec, store, seed, {
    checkpoint,
    problemType: problemTypeOf({ problemType: checkpoint.problemType, numLabels: checkpoint.numLabels }),
    rawConfig: json,
    sourceDir: '',
    transposedOnDisk: new Set(),
  });
  const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * checkpoint.numLabels));
  const dataset = new BlockDataset(
    [
      { name: 'input_ids', width: shape.seq, data: randomIds(rows * shape.seq) },
      { name: 'attention_mask', width: shape.seq, data: new Float32Array(rows * shape.seq).fill(1) },
    ],
    labels,
  );
  return { model, dataset };
}

/** HF defaults for fine-tuning (AdamW torch, lr 5e-5, weight decay 0.01, max_grad_norm 1), nothing else. */
function trainingArgs(batch: number, maxSteps: number, outputDir: string, seed: number): TrainingArguments {
  const overrides: Partial<TrainingArguments> = {
    output_dir: outputDir,
    per_device_train_batch_size: batch,
    max_steps: maxSteps,
    learning_rate: 5e-5,
    weight_decay: 0.01,
    max_grad_norm: 1,
    logging_steps: 1_000_000,
    eval_strategy: 'no',
    save_strategy: 'no',
    seed,
  };
  return applyDefaults(shapeOf(TrainingArgumentsSchema), overrides as JsonValue) as unknown as TrainingArguments;
}

export async function runOurs(options: OursOptions): Promise<OursResult> {
  const seed = options.seed ?? 42;
  const info = await initBackend({ backend: options.backend, threads: 1 });
  const total = options.warmup + options.steps;
  const { model, dataset } = buildModelAndData(options.shape, total, seed);
  const weights = model.trainableWeights();
  const last = weights[weights.length - 1].variable;
  const params = model.weights().reduce((n, w) => n + w.variable.size, 0);
  const outputDir = mkdtempSync(join(tmpdir(), 'fts-gpu-bench-'));
  let start = 0;
  let end = 0;
  let lastLoss: number | undefined;
  const trainer = new Trainer({
    model,
    args: trainingArgs(options.shape.batch, total, outputDir, seed),
    trainDataset: dataset,
    callbacks: [
      {
        onStepEnd: async ({ state }) => {
          // A read of the last-updated weight waits for every queued kernel (WebGPU runs asynchronously).
          if (state.globalStep === options.warmup) {
            await last.data();
            start = performance.now();
          } else if (state.globalStep === total) {
            await last.data();
            end = performance.now();
          }
        },
        onLog: ({ logs }) => {
          const loss = logs.loss ?? logs.train_loss;
          if (typeof loss === 'number') lastLoss = loss;
        },
      },
    ],
  });
  try {
    await trainer.train();
  } finally {
    trainer.optimizer?.dispose();
    model.dispose();
    rmSync(outputDir, { recursive: true, force: true });
  }
  const seconds = (end - start) / 1000;
  const samplesPerSecond = (options.steps * options.shape.batch) / seconds;
  return {
    side: 'ours',
    backend: info.name,
    device: info.device,
    params,
    warmupSteps: options.warmup,
    timedSteps: options.steps,
    seconds,
    samplesPerSecond,
    tokensPerSecond: samplesPerSecond * options.shape.seq,
    lastLoss,
  };
}
