/**
 * The three benchmark models and their synthetic data (fixed seed), the TrainingArguments both
 * the Trainer and the bare loop use, and backend start-up for each bench column.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelSchema, TrainingArgumentsSchema, type ModelConfig, type TrainingArguments } from '../src/config/schema';
import { applyDefaults, shapeOf } from '../src/config/schema-shape';
import type { JsonValue } from '../src/config/tree';
import { initBackend } from '../src/trainer/backends';
import { loadBlasAddon } from '../src/trainer/backends/blas-addon';
import { replaceKernel } from '../src/trainer/backends/kernels/registry';
import { wasmSegmentSumConfig } from '../src/trainer/backends/kernels/segment-sum';
import { initWasm } from '../src/trainer/backends/wasm';
import { BlockDataset, type TensorDataset } from '../src/trainer/data';
import { CausalLmDataset } from '../src/trainer/data/causal';
import { createModel } from '../src/trainer/models';
import { loadHfCausalLm, loadHfModel } from '../src/trainer/models/hf';
import { mulberry32 } from '../src/trainer/random';
import type { TrainableModel } from '../src/trainer/types';

export const MODEL_IDS = ['mlp', 'text', 'transformer', 'bert-mini', 'smollm'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/**
 * `wasm`: pure wasm with our kernels (FTS_NATIVE=0); `wasm-native` / `wasm-native-2`: the same
 * plus the native addon (OpenBLAS matmuls, fused AdamW and norm) on 1 / 2 BLAS threads.
 */
export const BACKEND_IDS = ['wasm', 'wasm-native', 'wasm-native-2', 'wasm-stock', 'cpu', 'webgpu', 'tensorflow'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export const SEED = 42;
const VOCAB = 5000;
const SEQ = 64;
const MLP_FEATURES = 784;
const MLP_LABELS = 10;
const TEXT_LABELS = 2;
/** Synthetic rows: enough for several distinct batches per epoch. */
const ROWS = 2048;

export interface BenchModel {
  id: ModelId | 'tiny';
  title: string;
  batchSize: number;
  model: TrainableModel;
  dataset: TensorDataset;
  /** Label items per batch the loss averages over (numItemsInBatch): a causal LM counts its shifted tokens. */
  itemsPerBatch: number;
}

export const MODEL_TITLES: Record<ModelId, string> = {
  mlp: 'MLP 784-256-10, b64',
  text: 'text-clf v5000 s64 e64, b32',
  transformer: 'transformer e64 h4 L1 s64, b32',
  'bert-mini': 'BERT-mini L4 H256 A4 s128, b16',
  smollm: 'SmolLM-shaped L4 H576 A9/3 I1536 v8192 s128, b4',
};

export const BATCH_SIZES: Record<ModelId, number> = { mlp: 64, text: 32, transformer: 32, 'bert-mini': 16, smollm: 4 };

/** BERT-mini's sequence length and vocabulary (google/bert_uncased_L-4_H-256_A-4). */
const BERT_SEQ = 128;
const BERT_VOCAB = 30522;

/** Where bench/make_bert_mini.py writes the BERT-mini checkpoint both sides load. */
export const BERT_MINI_DIR = join(__dirname, '..', '.tmp', 'bench', 'bert-mini');

/** The SmolLM-shaped checkpoint (bench/make_smollm.py): its sequence length and vocabulary. */
export const SMOLLM_DIR = join(__dirname, '..', '.tmp', 'bench', 'smollm');
const SMOLLM_SEQ = 128;
const SMOLLM_VOCAB = 8192;
/** Fewer rows than the classifiers: a step is slow, and the cells run only a few. */
const SMOLLM_ROWS = 256;

export function modelConfig(overrides: Partial<ModelConfig>): ModelConfig {
  return applyDefaults(shapeOf(ModelSchema), overrides as JsonValue) as unknown as ModelConfig;
}

/**
 * HF defaults (AdamW, linear schedule, max_grad_norm 1, dropout 0.1 in the model) with nothing a
 * throughput run would not do: no eval, no checkpoints, logging every 500 steps (HF's default,
 * more steps than a bench cell runs). max_steps is large; the bench stops the run by callback.
 */
export function trainingArgs(batchSize: number, outputDir: string): TrainingArguments {
  const overrides: Partial<TrainingArguments> = {
    output_dir: outputDir,
    per_device_train_batch_size: batchSize,
    max_steps: 1_000_000,
    learning_rate: 1e-3,
    logging_steps: 500,
    eval_strategy: 'no',
    save_strategy: 'no',
    seed: SEED,
  };
  return applyDefaults(shapeOf(TrainingArgumentsSchema), overrides as JsonValue) as unknown as TrainingArguments;
}

function tabularData(random: () => number): BlockDataset {
  const features = new Float32Array(ROWS * MLP_FEATURES);
  for (let i = 0; i < features.length; i++) features[i] = random();
  const labels = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) labels[r] = Math.floor(random() * MLP_LABELS);
  return new BlockDataset([{ name: 'features', width: MLP_FEATURES, data: features }], labels);
}

/** Full-length sequences (mask all ones), as `prepareData` gives for texts of 64+ tokens. */
function textData(random: () => number): BlockDataset {
  const ids = new Int32Array(ROWS * SEQ);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(random() * VOCAB);
  const mask = new Float32Array(ROWS * SEQ).fill(1);
  const labels = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) labels[r] = Math.floor(random() * TEXT_LABELS);
  return new BlockDataset(
    [
      { name: 'input_ids', width: SEQ, data: ids },
      { name: 'attention_mask', width: SEQ, data: mask },
    ],
    labels,
  );
}

/** Full-length rows of random token ids for BERT-mini (the PyTorch cell draws its own, alike). */
function bertData(random: () => number): BlockDataset {
  const ids = new Int32Array(ROWS * BERT_SEQ);
  for (let i = 0; i < ids.length; i++) ids[i] = Math.floor(random() * BERT_VOCAB);
  const mask = new Float32Array(ROWS * BERT_SEQ).fill(1);
  const labels = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) labels[r] = Math.floor(random() * TEXT_LABELS);
  return new BlockDataset(
    [
      { name: 'input_ids', width: BERT_SEQ, data: ids },
      { name: 'attention_mask', width: BERT_SEQ, data: mask },
    ],
    labels,
  );
}

/** Full-length random token sequences; every token is a target (the loss shifts them), as the PyTorch cell's labels = input_ids. */
function smollmData(random: () => number): CausalLmDataset {
  const ids = Array.from({ length: SMOLLM_ROWS }, () => Int32Array.from({ length: SMOLLM_SEQ }, () => Math.floor(random() * SMOLLM_VOCAB)));
  return new CausalLmDataset({ ids, labels: ids, padId: 0 });
}

function checkpointOrThrow(dir: string, script: string): void {
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(`${dir} has no checkpoint: bench/trainer.ts writes it with bench/${script} (needs the reference Python)`);
  }
}

export async function buildBenchModel(id: ModelId): Promise<BenchModel> {
  const random = mulberry32(SEED);
  const batchSize = BATCH_SIZES[id];
  switch (id) {
    case 'bert-mini': {
      checkpointOrThrow(BERT_MINI_DIR, 'make_bert_mini.py');
      const { model } = await loadHfModel(BERT_MINI_DIR, { numLabels: TEXT_LABELS, seed: SEED });
      return { id, title: MODEL_TITLES[id], batchSize, model, dataset: bertData(random), itemsPerBatch: batchSize };
    }
    case 'smollm': {
      checkpointOrThrow(SMOLLM_DIR, 'make_smollm.py');
      const { model } = await loadHfCausalLm(SMOLLM_DIR, { seed: SEED });
      return { id, title: MODEL_TITLES[id], batchSize, model, dataset: smollmData(random), itemsPerBatch: batchSize * (SMOLLM_SEQ - 1) };
    }
    case 'mlp':
      return {
        id,
        title: MODEL_TITLES[id],
        batchSize,
        model: createModel(modelConfig({ architecture: 'mlp', hidden_sizes: [256], num_labels: MLP_LABELS }), { numFeatures: MLP_FEATURES, numLabels: MLP_LABELS }, SEED),
        dataset: tabularData(random),
        itemsPerBatch: batchSize,
      };
    case 'text':
      return {
        id,
        title: MODEL_TITLES[id],
        batchSize,
        model: createModel(modelConfig({ architecture: 'text-classifier', embedding_dim: 64, max_length: SEQ }), { vocabSize: VOCAB, numLabels: TEXT_LABELS }, SEED),
        dataset: textData(random),
        itemsPerBatch: batchSize,
      };
    case 'transformer':
      return {
        id,
        title: MODEL_TITLES[id],
        batchSize,
        model: createModel(
          modelConfig({ architecture: 'transformer-encoder', embedding_dim: 64, num_heads: 4, num_layers: 1, ff_dim: 128, max_length: SEQ }),
          { vocabSize: VOCAB, numLabels: TEXT_LABELS },
          SEED,
        ),
        dataset: textData(random),
        itemsPerBatch: batchSize,
      };
  }
}

/**
 * Starts a bench column's backend and returns its device description. `wasm` is the production
 * path (initBackend: our kernels); `wasm-stock` is tfjs's own wasm kernels plus only our
 * UnsortedSegmentSum, without which stock wasm cannot train an embedding at all.
 */
export async function startBackend(id: BackendId): Promise<string> {
  switch (id) {
    case 'wasm-stock': {
      process.env.FTS_NATIVE = '0';
      const { info } = await initWasm(1, () => {}, { ...process.env, FTS_NATIVE: '0' });
      replaceKernel(tf.UnsortedSegmentSum, 'wasm', () => wasmSegmentSumConfig);
      return `${info.device}, stock kernels + UnsortedSegmentSum`;
    }
    case 'wasm':
      process.env.FTS_NATIVE = '0';
      return (await initBackend({ backend: 'wasm', threads: 1 })).device;
    case 'wasm-native':
    case 'wasm-native-2': {
      const addon = loadBlasAddon();
      if (!addon.ok) throw new Error(`native addon not available: ${addon.reason}`);
      return (await initBackend({ backend: 'wasm', threads: id === 'wasm-native' ? 1 : 2 })).device;
    }
    case 'cpu':
    case 'webgpu':
    case 'tensorflow':
      return (await initBackend({ backend: id })).device;
  }
}

/** Backends whose kernels run eagerly on the calling thread: a step is done when its call returns. */
export function isSynchronous(id: BackendId): boolean {
  return id !== 'webgpu';
}
