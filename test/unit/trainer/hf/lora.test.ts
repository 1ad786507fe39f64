/**
 * LoRA against PEFT (goldens: `.venv/bin/python scripts/make-lora-fixtures.py`, after
 * scripts/make-hf-fixtures.py): on the tiny BERT with r=4, alpha=8 and the same fixed initial
 * adapter on both sides, 3 AdamW steps of our Trainer against PEFT + transformers' Trainer; our
 * merge against merge_and_unload(); our saved adapter in PeftModel.from_pretrained; exact resume
 * from adapter-only checkpoints.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { mergeAdapterFolder } from '../../../../src/trainer/io/merge';
import { loadAdapterInto, readAdapterConfig } from '../../../../src/trainer/io/peft-files';
import { readSafetensors } from '../../../../src/trainer/io/safetensors';
import { loadHfModel } from '../../../../src/trainer/models/hf';
import { resolveLora } from '../../../../src/trainer/models/hf/peft-config';
import { formatTrainableParameters } from '../../../../src/protocol/parameters';
import type { RunStartEvent } from '../../../../src/protocol/events';
import { runTraining } from '../../../../src/trainer/run';
import { runPython, skipWithoutPython } from '../../../support/reference-python';
import { FIXTURES, fixtureDir, golden, maxAbsDiff, paddedBatch } from './helpers';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };
const LORA = join(FIXTURES, 'bert-lora');

interface LoraGolden {
  print_trainable_parameters: string;
  train: { steps: number; learning_rate: number; weight_decay: number; max_grad_norm: number; batch_size: number; losses: number[]; grad_norms: number[] };
  adapter_logits: number[][];
  merged_logits: number[][];
}
const loraGolden = JSON.parse(readFileSync(join(LORA, 'golden.json'), 'utf8')) as LoraGolden;
const base = golden('bert');

before(async () => {
  await tf.setBackend('cpu');
});

/** A run config fine-tuning `fromPretrained` on the BERT fixture's rows with the goldens' recipe. */
function writeConfig(fromPretrained: string, extra: { peft?: string[]; training?: string[] } = {}): { path: string; outputDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fts-lora-'));
  const g = loraGolden.train;
  const data = join(fixtureDir('bert'), 'train.jsonl');
  const lines = [
    'model:',
    `  from_pretrained: ${JSON.stringify(fromPretrained)}`,
    `  max_length: ${base.max_length}`,
    'data:',
    `  train_file: ${JSON.stringify(data)}`,
    '  text_pair_column: text_pair',
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

async function logitsWithAdapter(adapterDir: string): Promise<number[]> {
  const { peft, path } = await readAdapterConfig(adapterDir);
  const { model } = await loadHfModel(fixtureDir('bert'), { lora: resolveLora(peft, 'bert', 'SEQ_CLS', path) });
  await loadAdapterInto(model, adapterDir);
  const batch = paddedBatch(base, model.hf.checkpoint.padTokenId);
  const logits = model.forward(batch).logits;
  const values = Array.from(await logits.data());
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return values;
}

async function logitsOfFolder(dir: string): Promise<number[]> {
  const { model } = await loadHfModel(dir);
  const batch = paddedBatch(base, model.hf.checkpoint.padTokenId);
  const logits = model.forward(batch).logits;
  const values = Array.from(await logits.data());
  tf.dispose([logits, ...Object.values(batch)]);
  model.dispose();
  return values;
}

let trainedDir: string | undefined;

test('LoRA from PEFT\'s initial adapter: losses, grad norms and adapter weights after 3 AdamW steps match PEFT + transformers\' Trainer', async (t) => {
  const { path, outputDir } = writeConfig(join(LORA, 'init'));
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'completed', end.error?.message);

  const start = sink.events.find((e): e is RunStartEvent => e.type === 'runStart');
  assert.ok(start?.model, 'runStart says what is fine-tuned');
  assert.equal(formatTrainableParameters(start.model.trainableParameters, start.model.parameters), loraGolden.print_trainable_parameters);
  assert.deepEqual(start.model.adapter?.targets, ['bert.encoder.layer.0.attention.self.query', 'bert.encoder.layer.0.attention.self.value', 'bert.encoder.layer.1.attention.self.query', 'bert.encoder.layer.1.attention.self.value']);

  const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')) as { log_history: Array<Record<string, number>> };
  const losses = state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
  const norms = state.log_history.filter((e) => 'grad_norm' in e).map((e) => e.grad_norm);
  losses.forEach((loss, i) => assert.ok(Math.abs(loss - loraGolden.train.losses[i]) < 1e-4, `loss ${i}: ${loss} vs ${loraGolden.train.losses[i]}`));
  norms.forEach((norm, i) => assert.ok(Math.abs(norm - loraGolden.train.grad_norms[i]) < 1e-4 * loraGolden.train.grad_norms[i], `grad_norm ${i}: ${norm} vs ${loraGolden.train.grad_norms[i]}`));

  assert.ok(!existsSync(join(outputDir, 'model.safetensors')), 'a LoRA run saves the adapter, not the model');
  const ours = (await readSafetensors(join(outputDir, 'adapter_model.safetensors'))).tensors;
  const theirs = (await readSafetensors(join(LORA, 'trained', 'adapter_model.safetensors'))).tensors;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), 'PEFT\'s key names');
  let worst = { key: '', diff: 0 };
  for (const [key, entry] of Object.entries(theirs)) {
    assert.deepEqual(ours[key].shape, entry.shape, `${key}: PEFT's shape`);
    const diff = maxAbsDiff(ours[key].data, entry.data);
    if (diff > worst.diff) worst = { key, diff };
  }
  t.diagnostic(`largest adapter weight difference to PEFT: ${worst.diff.toExponential(2)} (${worst.key})`);
  assert.ok(worst.diff < 1e-4, `${worst.key}: ${worst.diff}`);

  const config = JSON.parse(readFileSync(join(outputDir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(config.peft_type, 'LORA');
  assert.equal(config.task_type, 'SEQ_CLS');
  assert.equal(config.r, 4);
  assert.equal(config.lora_alpha, 8);
  assert.deepEqual(config.modules_to_save, ['classifier', 'score']);
  assert.equal(config.base_model_name_or_path, '../../bert', 'the adapter\'s base name is kept');
  trainedDir = outputDir;
});

test('PEFT\'s trained adapter gives PEFT\'s logits here (within 1e-5)', async (t) => {
  const diff = maxAbsDiff(await logitsWithAdapter(join(LORA, 'trained')), loraGolden.adapter_logits.flat());
  t.diagnostic(`max |logit difference|, base + adapter: ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-5, `${diff}`);
});

test('merge of PEFT\'s trained adapter gives merge_and_unload()\'s logits (within 1e-5), here and in transformers', { skip: skipWithoutPython() }, async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'fts-lora-merged-')), 'merged');
  const result = await mergeAdapterFolder(join(LORA, 'trained'), out, () => Promise.reject(new Error('the base lies beside the adapter')));
  assert.equal(result.merged.length, 4);
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  const ours = await logitsOfFolder(out);
  const diff = maxAbsDiff(ours, loraGolden.merged_logits.flat());
  const reference = JSON.parse(runPython(join(__dirname, 'hf_logits.py'), [out, String(base.max_length)], { input: JSON.stringify({ texts: base.texts, pairs: base.pairs }) })) as { logits: number[][] };
  const inTransformers = maxAbsDiff(reference.logits.flat(), loraGolden.merged_logits.flat());
  t.diagnostic(`max |logit difference| to merge_and_unload(): ours ${diff.toExponential(2)}, our merged folder in transformers ${inTransformers.toExponential(2)}`);
  assert.ok(diff < 1e-5, `${diff}`);
  assert.ok(inTransformers < 1e-5, `${inTransformers}`);
});

test('our saved adapter loads in PeftModel.from_pretrained and gives our logits (within 1e-5)', { skip: skipWithoutPython() }, async (t) => {
  assert.ok(trainedDir, 'the training test ran first');
  const ours = await logitsWithAdapter(trainedDir);
  const reference = JSON.parse(runPython(join(__dirname, 'peft_logits.py'), [fixtureDir('bert'), trainedDir, String(base.max_length)], { input: JSON.stringify({ texts: base.texts, pairs: base.pairs }) })) as {
    logits: number[][];
    targets: string[];
  };
  const diff = maxAbsDiff(ours, reference.logits.flat());
  t.diagnostic(`max |logit difference| in peft: ${diff.toExponential(2)}`);
  assert.ok(diff < 1e-5, `${diff}`);
  assert.deepEqual(reference.targets, ['query', 'value']);
});

test('a LoRA run from a base checkpoint: adapter-only checkpoints (no base weights, small) and an exact resume', async () => {
  const recipe = ['r: 4', 'lora_alpha: 8', 'init_lora_weights: false'];
  const whole = writeConfig(fixtureDir('bert'), { peft: recipe });
  assert.equal((await runTraining({ configPath: whole.path, events: new MemorySink(), core })).status, 'completed');

  const split = writeConfig(fixtureDir('bert'), { peft: recipe, training: ['  save_strategy: steps', '  save_steps: 1'] });
  assert.equal((await runTraining({ configPath: split.path, events: new MemorySink(), core, maxSteps: 2 })).status, 'completed');
  const checkpoint = join(split.outputDir, 'checkpoint-2');
  const files = readdirSync(checkpoint);
  assert.ok(files.includes('adapter_model.safetensors') && !files.includes('model.safetensors'), files.join(', '));
  const base = statSync(join(fixtureDir('bert'), 'model.safetensors')).size;
  const adapter = statSync(join(checkpoint, 'adapter_model.safetensors')).size + statSync(join(checkpoint, 'optimizer.safetensors')).size;
  assert.ok(adapter < base / 5, `adapter + optimizer state ${adapter} bytes vs base ${base}`);
  const resumed = await runTraining({ configPath: split.path, events: new MemorySink(), core, resume: checkpoint });
  assert.equal(resumed.status, 'completed', resumed.error?.message);

  const a = (await readSafetensors(join(whole.outputDir, 'adapter_model.safetensors'))).tensors;
  const b = (await readSafetensors(join(split.outputDir, 'adapter_model.safetensors'))).tensors;
  for (const key of Object.keys(a)) assert.deepEqual(Array.from(b[key].data), Array.from(a[key].data), key);
});

test('peft with an adapter folder as from_pretrained is refused at the peft key (FTS251)', async () => {
  const { path } = writeConfig(join(LORA, 'init'), { peft: ['r: 4'] });
  const end = await runTraining({ configPath: path, events: new MemorySink(), core });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /lora\.trainer\.yaml:7:1: error: .* is a PEFT adapter, whose adapter_config\.json sets the LoRA configuration; remove peft: .*\[FTS251\]/);
  assert.equal(end.error?.location?.line, 7);
});
