/**
 * The memory plan in a causal-LM run: a Llama-shaped folder (768 hidden, 16 layers, vocab 32000;
 * config.json and the tiny Llama's tokenizer, no weights) at batch 4 × 128 packed tokens on wasm is
 * refused before any weight is read, with every way to fit; a run that fits prints its plan, with
 * gradient checkpointing, before the first step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import type { LogMessageEvent } from '../../../../src/protocol/events';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { runTraining } from '../../../../src/trainer/run';
import { fixtureDir } from '../hf-lm/helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };

function llamaFolder(root: string): string {
  const dir = join(root, 'llama-shaped');
  mkdirSync(dir);
  const config = {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    hidden_size: 768,
    intermediate_size: 2112,
    num_hidden_layers: 16,
    num_attention_heads: 12,
    num_key_value_heads: 3,
    vocab_size: 32000,
    max_position_embeddings: 2048,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(fixtureDir('llama'), file), join(dir, file));
  return dir;
}

/** Enough text for several packed blocks of 128 tokens. */
function textRows(root: string): string {
  const rows = readFileSync(join(fixtureDir('llama'), 'train.jsonl'), 'utf8').trim().split('\n');
  const path = join(root, 'train.jsonl');
  writeFileSync(path, Array.from({ length: 30 }, () => rows).flat().join('\n') + '\n');
  return path;
}

function writeConfig(root: string, lines: string[]): string {
  const path = join(root, 'plan.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const messages = (sink: MemorySink) => sink.events.filter((e): e is LogMessageEvent => e.type === 'message').map((e) => e.text);

test('a Llama-shaped run at batch 4 × 128 packed tokens on wasm is refused before any weight is read, with LoRA, a smaller batch, gradient checkpointing and cpu', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fts-memplan-dec-'));
  const path = writeConfig(root, [
    'model:',
    `  from_pretrained: ${JSON.stringify(llamaFolder(root))}`,
    '  max_length: 128',
    'data:',
    `  train_file: ${JSON.stringify(textRows(root))}`,
    '  packing: true',
    '  packing_strategy: wrapped',
    'backend: wasm',
    'training_args:',
    '  output_dir: out',
    '  per_device_train_batch_size: 4',
    '  max_steps: 1',
  ]);
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'failed');
  const message = end.error?.message ?? '';
  // 150.6M parameters (untied lm_head, 3 kv heads): weights 0.60 GB, grads 0.60, Adam 1.21, and the activations at 4 × 128 packed tokens.
  assert.match(message, /^One training step does not fit: weights 0\.60 GB, grads 0\.60, Adam 1\.21, activations ≈ \d\.\d\d at batch 4 × 128: \d\.\d\d GB of 4 GiB \(wasm\)/);
  assert.match(message, /LoRA \(peft: r 8, target_modules q_proj, v_proj\): \d\.\d\d GB of 4 GiB \(wasm\)/);
  assert.match(message, /per_device_train_batch_size: [1-3] with gradient_accumulation_steps: [2-4] \(the same effective batch\)/);
  assert.match(message, /gradient_checkpointing: true \(recomputes each block in the backward pass\): \d\.\d\d GB of 4 GiB \(wasm\)/);
  if (totalmem() > 8 * 2 ** 30) assert.match(message, /backend: cpu: [\d.]+ GB of [\d.]+ GiB \(cpu: machine memory\)/);
  assert.match(message, /ignore_memory_plan: true/);
  assert.doesNotMatch(message, /safetensors/, 'refused before looking for weights');
  assert.equal(end.error?.location?.file, path);
  assert.equal(end.error?.location?.line, 2, 'points at model.from_pretrained');
  assert.ok(!sink.events.some((e) => e.type === 'runStart'), 'no step was started');
});

test('a causal-LM run that fits prints its plan (with gradient checkpointing, at the longest row) before the first step', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fts-memplan-dec-'));
  const fixture = fixtureDir('llama');
  const path = writeConfig(root, [
    'model:',
    `  from_pretrained: ${JSON.stringify(fixture)}`,
    'data:',
    `  train_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    'backend: cpu',
    'training_args:',
    '  output_dir: out',
    '  per_device_train_batch_size: 4',
    '  gradient_checkpointing: true',
    '  max_steps: 1',
    '  save_strategy: "no"',
  ]);
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'completed', end.error?.message);
  const planIndex = sink.events.findIndex((e) => e.type === 'message' && e.text.startsWith('Memory plan: '));
  const startIndex = sink.events.findIndex((e) => e.type === 'runStart');
  assert.ok(planIndex >= 0 && planIndex < startIndex, messages(sink).join('\n'));
  const text = (sink.events[planIndex] as LogMessageEvent).text;
  // The fixture's longest row is 14 tokens (its tokenizer), far below max_length 64 (max_position_embeddings).
  assert.match(text, /^Memory plan: weights 0\.00 GB, grads 0\.00, Adam 0\.00, activations ≈ 0\.00 at batch 4 × (\d+) with gradient checkpointing: 0\.00 GB of [\d.]+ GiB \(cpu: machine memory\)$/);
  const length = Number(/× (\d+)/.exec(text)?.[1]);
  assert.ok(length > 4 && length < 64, text);
});
