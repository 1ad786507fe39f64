/**
 * LoRA on decoders against PEFT (goldens: `.venv/bin/python scripts/make-lora-fixtures.py llama gpt2 qwen2 mistral`,
 * after scripts/make-lm-fixtures.py): on the tiny Llama and GPT-2 (Conv1D, fan_in_fan_out) with r=4,
 * alpha=8 and the same fixed initial adapter (A and B wide random) on both sides, 3 AdamW steps of our
 * Trainer against PEFT + transformers' Trainer; our merge against merge_and_unload(); our saved adapter
 * in PeftModel.from_pretrained; target selection and print_trainable_parameters against PEFT's for
 * list, regex and all-linear targets, bias and modules_to_save; adapter-only checkpoints with an exact
 * resume; lora_dropout under gradient checkpointing; Qwen2 (q/k/v biases, tied head) and Mistral target selection.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import type { PeftConfig } from '../../../../src/config/schema';
import type { RunStartEvent } from '../../../../src/protocol/events';
import { formatTrainableParameters } from '../../../../src/protocol/parameters';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { mergeAdapterFolder } from '../../../../src/trainer/io/merge';
import { loadAdapterInto, readAdapterConfig } from '../../../../src/trainer/io/peft-files';
import { decodeSafetensors, readSafetensors } from '../../../../src/trainer/io/safetensors';
import { TextGenerator } from '../../../../src/trainer/generation/generator';
import { readGenerationFile } from '../../../../src/trainer/generation/load';
import { resolveGeneration, type HfGenerationFile } from '../../../../src/trainer/generation/settings';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { resolveLora } from '../../../../src/trainer/models/hf/peft-config';
import { decoderLinearModuleNames } from '../../../../src/trainer/models/hf/decoder-config';
import { loadConfigFile } from '../../../../src/cli/config-host';
import { runTraining } from '../../../../src/trainer/run';
import { HfTokenizer, loadTokenizer } from '../../../../src/trainer/tokenizer';
import { runPython, skipWithoutPython } from '../../../support/reference-python';
import { FIXTURES, fixtureDir, golden, maxAbsDiff, paddedBatch } from './helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };
const BASES = ['llama', 'gpt2'] as const;
/** Qwen2 (q/k/v biases, tied head) and Mistral have target-selection goldens only. */
const VARIANT_BASES = ['llama', 'gpt2', 'qwen2', 'mistral'] as const;
type Base = (typeof VARIANT_BASES)[number];

interface LoraGolden {
  print_trainable_parameters: string;
  targets: string[];
  train: { steps: number; learning_rate: number; weight_decay: number; max_grad_norm: number; batch_size: number; losses: number[]; grad_norms: number[] };
  variants: Array<{ peft: Partial<PeftConfig>; print_trainable_parameters: string; targets: string[] }>;
}

const loraDir = (base: Base) => join(FIXTURES, `${base}-lora`);
const loraGolden = (base: Base) => JSON.parse(readFileSync(join(loraDir(base), 'golden.json'), 'utf8')) as LoraGolden;
function goldenLogits(base: Base, key: 'adapter_logits' | 'merged_logits'): Float32Array {
  const file = join(loraDir(base), 'golden.safetensors');
  return decodeSafetensors(readFileSync(file), file).tensors[key].data as Float32Array;
}
const rowsOf = (base: Base) => golden(base).encodings.map((e) => e.input_ids);

before(async () => {
  await tf.setBackend('cpu');
});

/** A run config fine-tuning `fromPretrained` on the fixture's text rows with the goldens' recipe. */
function writeConfig(base: Base, fromPretrained: string, extra: { peft?: string[]; training?: string[] } = {}): { path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), `fts-lm-lora-${base}-`));
  const g = loraGolden(base).train;
  const lines = [
    'model:',
    `  from_pretrained: ${JSON.stringify(fromPretrained)}`,
    'data:',
    `  train_file: ${JSON.stringify(join(fixtureDir(base), 'train.jsonl'))}`,
    '  append_eos: false',
    ...(extra.peft ? ['peft:', ...extra.peft.map((l) => `  ${l}`)] : []),
    'backend: cpu',
    'training_args:',
    '  output_dir: out',
    `  max_steps: ${g.steps}`,
    `  per_device_train_batch_size: ${g.batch_size}`,
    `  learning_rate: ${g.learning_rate}`,
    `  weight_decay: ${g.weight_decay}`,
    `  max_grad_norm: ${g.max_grad_norm}`,
    '  lr_scheduler_type: constant',
    '  logging_steps: 1',
    ...(extra.training ?? ['  save_strategy: "no"']),
  ];
  const path = join(dir, 'lora.trainer.yaml');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, outputDir: join(dir, 'out') };
}

/** Base + the adapter in `adapterDir`, loaded here. */
async function withAdapter(base: Base, adapterDir: string) {
  const { peft, path } = await readAdapterConfig(adapterDir);
  const { model } = await loadHfCausalLm(fixtureDir(base), { lora: resolveLora(peft, base, 'CAUSAL_LM', path) });
  await loadAdapterInto(model, adapterDir);
  return model;
}

async function logitsOf(model: Awaited<ReturnType<typeof withAdapter>>, base: Base): Promise<Float32Array> {
  const batch = paddedBatch(rowsOf(base), golden(base).pad_token_id);
  const logits = model.forward(batch).logits;
  const values = (await logits.data()) as Float32Array;
  tf.dispose([logits, ...Object.values(batch)]);
  return values;
}

async function adapterLogits(base: Base, adapterDir: string): Promise<Float32Array> {
  const model = await withAdapter(base, adapterDir);
  try {
    return await logitsOf(model, base);
  } finally {
    model.dispose();
  }
}

const trained = new Map<Base, string>();

for (const base of BASES) {
  test(`${base}: LoRA from PEFT's initial adapter: losses, grad norms and adapter weights after 3 AdamW steps match PEFT + transformers' Trainer`, async (t) => {
    const g = loraGolden(base);
    const { path, outputDir } = writeConfig(base, join(loraDir(base), 'init'));
    const sink = new MemorySink();
    const end = await runTraining({ configPath: path, events: sink, core });
    assert.equal(end.status, 'completed', end.error?.message);

    const start = sink.events.find((e): e is RunStartEvent => e.type === 'runStart');
    assert.ok(start?.model, 'runStart says what is fine-tuned');
    assert.equal(formatTrainableParameters(start.model.trainableParameters, start.model.parameters), g.print_trainable_parameters, 'PEFT\'s print_trainable_parameters');
    assert.deepEqual(start.model.adapter?.targets, g.targets);

    const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')) as { log_history: Array<Record<string, number>> };
    const losses = state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
    const norms = state.log_history.filter((e) => 'grad_norm' in e).map((e) => e.grad_norm);
    assert.equal(losses.length, g.train.steps);
    losses.forEach((loss, i) => assert.ok(Math.abs(loss - g.train.losses[i]) < 1e-4, `loss ${i}: ${loss} vs ${g.train.losses[i]}`));
    norms.forEach((norm, i) => assert.ok(Math.abs(norm - g.train.grad_norms[i]) < 1e-4 * g.train.grad_norms[i], `grad_norm ${i}: ${norm} vs ${g.train.grad_norms[i]}`));

    assert.ok(!existsSync(join(outputDir, 'model.safetensors')) && !existsSync(join(outputDir, 'model.safetensors.index.json')), 'a LoRA run saves the adapter, not the model');
    const ours = (await readSafetensors(join(outputDir, 'adapter_model.safetensors'))).tensors;
    const theirs = (await readSafetensors(join(loraDir(base), 'trained', 'adapter_model.safetensors'))).tensors;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), 'PEFT\'s key names');
    const first = base === 'llama' ? 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' : 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight';
    assert.ok(first in ours, first);
    let worst = { key: '', diff: 0 };
    for (const [key, entry] of Object.entries(theirs)) {
      assert.deepEqual(ours[key].shape, entry.shape, `${key}: PEFT's shape`);
      const diff = maxAbsDiff(ours[key].data, entry.data);
      if (diff > worst.diff) worst = { key, diff };
    }
    t.diagnostic(`${base}: largest adapter weight difference to PEFT: ${worst.diff.toExponential(2)} (${worst.key})`);
    assert.ok(worst.diff < 1e-4, `${worst.key}: ${worst.diff}`);

    const config = JSON.parse(readFileSync(join(outputDir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.task_type, 'CAUSAL_LM');
    assert.equal(config.r, 4);
    assert.equal(config.lora_alpha, 8);
    assert.equal(config.fan_in_fan_out, base === 'gpt2');
    assert.equal(config.modules_to_save, null);
    assert.equal(config.base_model_name_or_path, `../../${base}`, 'the adapter\'s base name is kept');
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) assert.ok(existsSync(join(outputDir, file)), `${file} beside the adapter`);
    trained.set(base, outputDir);
  });

  test(`${base}: PEFT's trained adapter gives PEFT's logits here (within 1e-5)`, async (t) => {
    const diff = maxAbsDiff(await adapterLogits(base, join(loraDir(base), 'trained')), goldenLogits(base, 'adapter_logits'));
    t.diagnostic(`${base}: max |logit difference|, base + adapter: ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-5, `${diff}`);
  });

  test(`${base}: merge of PEFT's trained adapter gives merge_and_unload()'s logits (within 1e-5), here and in transformers, and generates as base + adapter`, { skip: skipWithoutPython() }, async (t) => {
    const out = join(mkdtempSync(join(tmpdir(), `fts-lm-lora-merged-${base}-`)), 'merged');
    const result = await mergeAdapterFolder(join(loraDir(base), 'trained'), out, () => Promise.reject(new Error('the base lies beside the adapter')));
    assert.deepEqual(result.merged, loraGolden(base).targets);
    const files = readdirSync(out).sort();
    for (const file of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json']) assert.ok(files.includes(file), `${file} in ${files.join(', ')}`);
    const { model: merged } = await loadHfCausalLm(out);
    const ours = await logitsOf(merged, base);
    const expected = goldenLogits(base, 'merged_logits');
    const diff = maxAbsDiff(ours, expected);
    // transformers' logits of the merged folder, and its greedy generate from the rows' first tokens.
    const prompts = rowsOf(base).map((ids) => ids.slice(0, 6));
    const request = { rows: rowsOf(base), pad: golden(base).pad_token_id, prompts, max_new_tokens: 12 };
    const reference = JSON.parse(runPython(join(__dirname, 'lm_logits.py'), [out], { input: JSON.stringify(request) })) as { logits: number[]; architectures: string[]; tokens: number[][] };
    const inTransformers = maxAbsDiff(reference.logits, expected);
    t.diagnostic(`${base}: max |logit difference| to merge_and_unload(): ours ${diff.toExponential(2)}, our merged folder in transformers ${inTransformers.toExponential(2)}`);
    assert.ok(diff < 1e-5, `${diff}`);
    assert.ok(inTransformers < 1e-5, `${inTransformers}`);
    assert.deepEqual(reference.architectures, [golden(base).architecture]);

    // transformers' generate on the merged folder gives the greedy tokens of base + adapter here.
    const adapted = await withAdapter(base, join(loraDir(base), 'trained'));
    const tokenizer = await loadTokenizer(out);
    assert.ok(tokenizer instanceof HfTokenizer);
    const settings = resolveGeneration({ max_new_tokens: 12, do_sample: false }, await readGenerationFile(out), merged.hf.rawConfig as HfGenerationFile, 0);
    const generator = new TextGenerator(adapted, tokenizer);
    for (const [i, prompt] of prompts.entries()) assert.deepEqual((await generator.generate(prompt, settings)).tokens, reference.tokens[i], `prompt ${i}: greedy tokens`);
    adapted.dispose();
    merged.dispose();
  });

  test(`${base}: our saved adapter loads in PeftModel.from_pretrained and gives our logits (within 1e-5)`, { skip: skipWithoutPython() }, async (t) => {
    const runDir = trained.get(base);
    assert.ok(runDir, 'the training test ran first');
    const ours = await adapterLogits(base, runDir);
    const reference = JSON.parse(runPython(join(__dirname, 'lm_peft_logits.py'), [fixtureDir(base), runDir], { input: JSON.stringify({ rows: rowsOf(base), pad: golden(base).pad_token_id }) })) as {
      logits: number[];
      targets: string[];
      task_type: string;
    };
    const diff = maxAbsDiff(ours, reference.logits);
    t.diagnostic(`${base}: max |logit difference| in peft: ${diff.toExponential(2)}`);
    assert.ok(diff < 1e-5, `${diff}`);
    assert.deepEqual(reference.targets, base === 'llama' ? ['q_proj', 'v_proj'] : ['c_attn']);
    assert.equal(reference.task_type, 'CAUSAL_LM');
  });

}

for (const base of VARIANT_BASES) {
  test(`${base}: target_modules (list, regex, all-linear without lm_head), bias and modules_to_save select and count as PEFT does`, async () => {
    for (const variant of loraGolden(base).variants) {
      const { model } = await loadHfCausalLm(fixtureDir(base), { lora: resolveLora({ r: 4, lora_alpha: 8, ...variant.peft }, base, 'CAUSAL_LM', 'test') });
      // The editor's list of linear modules (read from config.json alone) is the builders'.
      assert.deepEqual(decoderLinearModuleNames(model.hf.checkpoint), model.lora?.linearModules);
      const counts = model.parameterCounts();
      assert.deepEqual([...(model.lora?.targets ?? [])].sort(), variant.targets, JSON.stringify(variant.peft));
      assert.equal(formatTrainableParameters(counts.trainable, counts.total), variant.print_trainable_parameters, JSON.stringify(variant.peft));
      model.dispose();
    }
  });
}

test('llama: a LoRA run from the base: adapter-only checkpoints (no base weights, small) and an exact resume', async () => {
  const recipe = ['r: 4', 'lora_alpha: 8', 'init_lora_weights: false'];
  const whole = writeConfig('llama', fixtureDir('llama'), { peft: recipe });
  assert.equal((await runTraining({ configPath: whole.path, events: new MemorySink(), core })).status, 'completed');

  const split = writeConfig('llama', fixtureDir('llama'), { peft: recipe, training: ['  save_strategy: steps', '  save_steps: 1'] });
  assert.equal((await runTraining({ configPath: split.path, events: new MemorySink(), core, maxSteps: 2 })).status, 'completed');
  const checkpoint = join(split.outputDir, 'checkpoint-2');
  const files = readdirSync(checkpoint);
  assert.ok(files.includes('adapter_model.safetensors') && !files.some((f) => f.startsWith('model')), files.join(', '));
  const optimizer = (await readSafetensors(join(checkpoint, 'optimizer.safetensors'))).tensors;
  assert.ok(Object.keys(optimizer).length > 0 && Object.keys(optimizer).every((key) => key.includes('lora_')), `optimizer state of the adapter only: ${Object.keys(optimizer).slice(0, 4).join(', ')}`);
  const baseBytes = readdirSync(fixtureDir('llama')).filter((f) => f.startsWith('model-')).reduce((n, f) => n + statSync(join(fixtureDir('llama'), f)).size, 0);
  const adapterBytes = statSync(join(checkpoint, 'adapter_model.safetensors')).size + statSync(join(checkpoint, 'optimizer.safetensors')).size;
  assert.ok(adapterBytes < baseBytes / 5, `adapter + optimizer state ${adapterBytes} bytes vs base ${baseBytes}`);
  const resumed = await runTraining({ configPath: split.path, events: new MemorySink(), core, resume: checkpoint });
  assert.equal(resumed.status, 'completed', resumed.error?.message);

  const a = (await readSafetensors(join(whole.outputDir, 'adapter_model.safetensors'))).tensors;
  const b = (await readSafetensors(join(split.outputDir, 'adapter_model.safetensors'))).tensors;
  for (const key of Object.keys(a)) assert.deepEqual(Array.from(b[key].data), Array.from(a[key].data), key);
});

test('llama: lora_dropout under gradient checkpointing: the recomputed blocks draw the forward pass\'s masks (the adapter trains as without checkpointing)', async () => {
  const adapterAfter = async (dropout: number, training: string[]) => {
    // init_lora_weights: false makes B non-zero, so A gets gradients (through the dropped-out inputs) from the first step.
    const peft = ['r: 4', 'lora_alpha: 8', 'init_lora_weights: false', `lora_dropout: ${dropout}`];
    const { path, outputDir } = writeConfig('llama', fixtureDir('llama'), { peft, training: ['  save_strategy: "no"', ...training] });
    const end = await runTraining({ configPath: path, events: new MemorySink(), core, maxSteps: 2 });
    assert.equal(end.status, 'completed', end.error?.message);
    return (await readSafetensors(join(outputDir, 'adapter_model.safetensors'))).tensors;
  };
  const plain = await adapterAfter(0.3, []);
  const checkpointed = await adapterAfter(0.3, ['  gradient_checkpointing: true']);
  const noDropout = await adapterAfter(0, ['  gradient_checkpointing: true']);
  let same = 0;
  let dropoutEffect = 0;
  for (const key of Object.keys(plain)) {
    same = Math.max(same, maxAbsDiff(plain[key].data, checkpointed[key].data));
    dropoutEffect = Math.max(dropoutEffect, maxAbsDiff(plain[key].data, noDropout[key].data));
  }
  assert.ok(dropoutEffect > 1e-4, `lora_dropout changes the training (${dropoutEffect})`);
  assert.ok(same < 1e-6, `with and without gradient checkpointing: ${same}`);
});

test('the editor checks peft on a decoder: target_modules matching no projection is FTS250 with the modules listed; the defaults, all-linear and an adapter folder validate clean', async () => {
  const problemsOf = async (fromPretrained: string, peft: string[]) => {
    const { path } = writeConfig('llama', fromPretrained, peft.length ? { peft } : {});
    return (await loadConfigFile(path)).problems.filter((p) => p.severity !== 'information');
  };
  const wrong = await problemsOf(fixtureDir('llama'), ['target_modules: [query, value]']);
  assert.deepEqual(wrong.map((p) => p.code), ['FTS250']);
  assert.match(wrong[0]?.message ?? '', /match no linear module of .*llama; its linear modules are: model\.layers\.0\.self_attn\.q_proj, .*lm_head/);
  assert.deepEqual(await problemsOf(fixtureDir('llama'), ['r: 4']), []);
  assert.deepEqual(await problemsOf(fixtureDir('gpt2'), ['target_modules: all-linear']), []);
  assert.deepEqual(await problemsOf(join(loraDir('llama'), 'init'), []), [], 'a CAUSAL_LM adapter folder is a language model: no label column is asked for');
});
