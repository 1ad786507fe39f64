/**
 * A whole causal-LM run from a config (text data through data/causal, Trainer, save) on the tiny
 * GPT-2, Llama and Qwen2 checkpoints: eval_on_start equals transformers' eval_loss, the saved folder
 * is a transformers folder (GPT2LMHeadModel, LlamaForCausalLM, Qwen2ForCausalLM, generation_config,
 * tokenizer, shards past max_shard_size) that transformers loads with our logits, and that we load again
 * exactly. Goldens: `.venv/bin/python scripts/make-lm-fixtures.py`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { runTraining } from '../../../../src/trainer/run';
import { TextGenerator } from '../../../../src/trainer/generation/generator';
import { readGenerationFile } from '../../../../src/trainer/generation/load';
import { resolveGeneration, type HfGenerationFile } from '../../../../src/trainer/generation/settings';
import { HfTokenizer, loadTokenizer } from '../../../../src/trainer/tokenizer';
import { runPython, skipWithoutPython } from '../../../support/reference-python';
import { LM_FIXTURES, fixtureDir, golden, maxAbsDiffAtTokens, paddedBatch } from './helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };
const saved = new Map<string, string>();

before(async () => {
  await tf.setBackend('cpu');
});

function writeRunConfig(name: string, extra: string[]): { path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), `fts-lm-run-${name}-`));
  const fixture = fixtureDir(name);
  const lines = [
    'model:',
    `  from_pretrained: ${JSON.stringify(fixture)}`,
    ...(name === 'llama' ? ['  max_shard_size: 60KB'] : []),
    'data:',
    `  train_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    `  eval_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
    '  append_eos: false',
    'backend: cpu',
    'training_args:',
    '  output_dir: out',
    '  max_steps: 2',
    '  per_device_train_batch_size: 8',
    '  per_device_eval_batch_size: 8',
    '  learning_rate: 0.001',
    '  lr_scheduler_type: constant',
    '  logging_steps: 1',
    '  save_strategy: "no"',
    '  eval_on_start: true',
    ...extra,
  ];
  const path = join(dir, 'lm.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, outputDir: join(dir, 'out') };
}

for (const name of LM_FIXTURES) {
  test(`${name}: a text run starts at transformers' eval_loss, trains, and saves a transformers folder`, async () => {
    const g = golden(name);
    const { path, outputDir } = writeRunConfig(name, name === 'gpt2' ? ['  gradient_checkpointing: true'] : []);
    const sink = new MemorySink();
    const end = await runTraining({ configPath: path, events: sink, core });
    assert.equal(end.status, 'completed', end.error?.message);
    const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')) as { log_history: Array<Record<string, number>> };
    const start = state.log_history[0];
    assert.ok(Math.abs(start.eval_loss - g.train_eval_loss) < 1e-4, `eval_loss ${start.eval_loss} vs ${g.train_eval_loss}`);
    assert.ok(Math.abs(start.eval_perplexity - Math.exp(start.eval_loss)) < 1e-6 * start.eval_perplexity);
    const config = JSON.parse(readFileSync(join(outputDir, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, [g.architecture]);
    for (const file of ['generation_config.json', 'tokenizer.json', 'tokenizer_config.json']) assert.ok(existsSync(join(outputDir, file)), file);
    if (name === 'llama') {
      const index = JSON.parse(readFileSync(join(outputDir, 'model.safetensors.index.json'), 'utf8'));
      const files = new Set(Object.values(index.weight_map));
      assert.ok(files.size > 1, 'sharded past max_shard_size');
      assert.ok(!existsSync(join(outputDir, 'model.safetensors')));
    }
    saved.set(name, outputDir);
  });
}

async function ourLogits(dir: string, rows: number[][], pad: number): Promise<Float32Array> {
  const { model } = await loadHfCausalLm(dir);
  const batch = paddedBatch(rows, pad);
  const logits = model.forward(batch).logits;
  const values = (await logits.data()) as Float32Array;
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return values;
}

for (const name of LM_FIXTURES) {
  test(`${name}: transformers loads the folder we saved and gives our logits (within 1e-5)`, { skip: skipWithoutPython() }, async (t) => {
    const dir = saved.get(name);
    assert.ok(dir, 'the run test ran first');
    const g = golden(name);
    const rows = g.encodings.map((e) => e.input_ids);
    const reference = JSON.parse(runPython(join(__dirname, 'lm_logits.py'), [dir], { input: JSON.stringify({ rows, pad: g.pad_token_id }) }));
    assert.deepEqual(reference.architectures, [g.architecture]);
    const diff = maxAbsDiffAtTokens(await ourLogits(dir, rows, g.pad_token_id), reference.logits, rows.map((r) => r.length));
    t.diagnostic(`max |logit difference| after training and saving: ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-5, `max |logit difference| ${diff}`);
  });
}

for (const name of LM_FIXTURES) {
  test(`${name}: the folder we saved generates transformers' greedy tokens`, { skip: skipWithoutPython() }, async () => {
    const dir = saved.get(name);
    assert.ok(dir, 'the run test ran first');
    const prompts = golden(name).encodings.map((e) => e.input_ids.slice(0, 6));
    const reference = JSON.parse(runPython(join(__dirname, 'lm_generate.py'), [dir], { input: JSON.stringify({ prompts, max_new_tokens: 20 }) })) as { tokens: number[][] };
    const { model } = await loadHfCausalLm(dir);
    const tokenizer = await loadTokenizer(dir);
    assert.ok(tokenizer instanceof HfTokenizer);
    const generator = new TextGenerator(model, tokenizer);
    const settings = resolveGeneration({ max_new_tokens: 20, do_sample: false }, await readGenerationFile(dir), model.hf.rawConfig as HfGenerationFile, 0);
    for (const [i, prompt] of prompts.entries()) {
      const ours = await generator.generate(prompt, settings);
      assert.deepEqual(ours.tokens, reference.tokens[i], `prompt ${i}: greedy tokens`);
    }
    model.dispose();
  });
}

test('llama: generation prompts are completed at each evaluation, the first as transformers\' greedy generate', async () => {
  const greedy = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/generation/greedy.json'), 'utf8')) as {
    models: Record<string, Array<{ prompt: string; eos_token_id: number | number[]; tokens: number[] }>>;
  };
  // Goldens: `.venv/bin/python scripts/make-generation-goldens.py` (max_new_tokens 20, the checkpoint's EOS).
  const reference = greedy.models.llama.filter((run) => typeof run.eos_token_id === 'number').slice(0, 2);
  const { path } = writeRunConfig('llama', [
    '  eval_strategy: steps',
    '  eval_steps: 1',
    'generation:',
    `  prompts: ${JSON.stringify(reference.map((run) => run.prompt))}`,
    '  max_new_tokens: 20',
  ]);
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'completed', end.error?.message);
  const events = sink.events.filter((e) => e.type === 'generations');
  assert.deepEqual(
    events.map((e) => e.step),
    [0, 1, 2],
  );
  const first = events[0];
  assert.equal(first.decoding, 'greedy');
  assert.deepEqual(
    first.samples.map((s) => s.prompt),
    reference.map((run) => run.prompt),
  );
  first.samples.forEach((sample, i) => assert.deepEqual(sample.tokens, reference[i].tokens, `${sample.prompt}: greedy tokens before training`));
});
