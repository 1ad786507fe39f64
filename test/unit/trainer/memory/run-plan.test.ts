/**
 * The memory plan in a run: printed at start through the event protocol, and a run that cannot fit
 * refused before any weight is read (the bert-base-shaped folder here has no weights at all), with
 * what would fit; `ignore_memory_plan: true` starts it anyway.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import type { LogMessageEvent } from '../../../../src/protocol/events';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { runTraining } from '../../../../src/trainer/run';
import { fixtureDir } from '../hf/helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };

/** bert-base-uncased's config.json sizes, the tiny fixture's tokenizer, and no weights. */
function bertBaseFolder(root: string): string {
  const dir = join(root, 'bert-base-shaped');
  mkdirSync(dir);
  const config = { model_type: 'bert', architectures: ['BertForSequenceClassification'], vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2, id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, label2id: { negative: 0, neutral: 1, positive: 2 } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(join(fixtureDir('bert'), 'tokenizer.json'), join(dir, 'tokenizer.json'));
  copyFileSync(join(fixtureDir('bert'), 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}

/** Rows of well over 128 tokens, so every batch pads to max_length 128. */
function longRows(root: string): string {
  const rows = readFileSync(join(fixtureDir('bert'), 'train.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { text: string; label: string });
  const path = join(root, 'long.jsonl');
  writeFileSync(path, rows.map((row) => JSON.stringify({ text: Array(40).fill(row.text).join(' '), label: row.label })).join('\n') + '\n');
  return path;
}

function writeConfig(root: string, lines: string[]): string {
  const path = join(root, 'plan.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const messages = (sink: MemorySink) => sink.events.filter((e): e is LogMessageEvent => e.type === 'message').map((e) => e.text);

test('a bert-base-shaped run at batch 8 × 128 on wasm is refused before any weight is read, with what would fit', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fts-memplan-'));
  const model = bertBaseFolder(root);
  const path = writeConfig(root, [
    'model:',
    `  from_pretrained: ${JSON.stringify(model)}`,
    '  max_length: 128',
    'data:',
    `  train_file: ${JSON.stringify(longRows(root))}`,
    'backend: wasm',
    'training_args:',
    '  output_dir: out',
    '  per_device_train_batch_size: 8',
    '  max_steps: 1',
  ]);
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'failed');
  const message = end.error?.message ?? '';
  assert.match(message, /^One training step does not fit: weights 0\.44 GB, grads 0\.44, Adam 0\.88, activations ≈ \d+\.\d\d at batch 8 × 128: \d+\.\d\d GB of 4 GiB \(wasm\)/);
  assert.match(message, /per_device_train_batch_size: [1-4] with gradient_accumulation_steps: [2-8] \(the same effective batch\)/);
  assert.doesNotMatch(message, /gradient_checkpointing/, 'BERT cannot checkpoint here');
  assert.match(message, /backend: cpu: [\d.]+ GB of [\d.]+ GiB \(cpu: machine memory\)/);
  assert.match(message, /ignore_memory_plan: true/);
  assert.doesNotMatch(message, /safetensors/, 'refused before looking for weights');
  assert.equal(end.error?.location?.file, path);
  assert.equal(end.error?.location?.line, 2, 'points at model.from_pretrained');
  assert.ok(!sink.events.some((e) => e.type === 'runStart'), 'no step was started');
});

test('ignore_memory_plan: true warns and goes on (here to the missing weights)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fts-memplan-'));
  const model = bertBaseFolder(root);
  const path = writeConfig(root, [
    'model:',
    `  from_pretrained: ${JSON.stringify(model)}`,
    '  max_length: 128',
    'data:',
    `  train_file: ${JSON.stringify(longRows(root))}`,
    'backend: wasm',
    'ignore_memory_plan: true',
    'training_args:',
    '  output_dir: out',
    '  per_device_train_batch_size: 8',
  ]);
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /safetensors/);
  assert.ok(messages(sink).some((text) => /does not fit[\s\S]*Starting anyway \(ignore_memory_plan: true\)/.test(text)), messages(sink).join('\n'));
});

test('a run that fits prints its plan, counted from the built model, before the first step', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fts-memplan-'));
  const fixture = fixtureDir('bert');
  const path = writeConfig(root, [
    'model:',
    `  from_pretrained: ${JSON.stringify(fixture)}`,
    '  freeze: [bert.embeddings]',
    'data:',
    `  train_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    'backend: cpu',
    'training_args:',
    '  output_dir: out',
    '  per_device_train_batch_size: 4',
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
  assert.match(text, /^Memory plan: weights 0\.00 GB, grads 0\.00, Adam 0\.00, activations ≈ 0\.00 at batch 4 × \d+: 0\.00 GB of [\d.]+ GiB \(cpu: machine memory\)$/);
});
