/**
 * Fine-tuning a causal LM with the Trainer against transformers' Trainer on the same recipe: eval_loss
 * before training, then 3 full-batch AdamW steps (constant schedule, clipping, dropout 0): losses, grad
 * norms and weights (goldens: `.venv/bin/python scripts/make-lm-fixtures.py`). Gradient accumulation
 * with the token-count normalisation gives the full batch's update.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readHfWeights } from '../../../../src/trainer/io/hf-folder';
import { transpose } from '../../../../src/trainer/io/transpose';
import type { HfCausalLmModel } from '../../../../src/trainer/models/hf/causal-lm';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { Trainer } from '../../../../src/trainer/trainer';
import { tempDir, trainingArgs } from '../loop/helpers';
import { TRAINED_FIXTURES, TokenRowsDataset, fixtureDir, golden } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

/** Our weights in the file layout (torch Linear [out, in]), by name. */
async function fileLayout(model: HfCausalLmModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const { name, variable } of model.weights()) {
    const data = (await variable.data()) as Float32Array;
    out.set(name, model.transposedOnDisk.has(name) ? transpose(data, variable.shape[0], variable.shape[1] as number) : data);
  }
  return out;
}

/**
 * The key projection's bias has a zero gradient (it adds the same q·b to every score of a query, which
 * softmax ignores), so Adam turns float noise into steps of up to lr: those values are compared with an
 * absolute 2·steps·lr, the rest relative to the tensor's largest value.
 */
function keyBiasRange(name: string, length: number): [number, number] | undefined {
  if (name.endsWith('attn.c_attn.bias')) return [length / 3, (2 * length) / 3];
  if (name.endsWith('k_proj.bias')) return [0, length];
  return undefined;
}

function worstRelative(ours: Map<string, Float32Array>, theirs: Map<string, Float32Array>, keyBiasTolerance = 0): { name: string; relative: number; absolute: number } {
  let worst = { name: '', relative: 0, absolute: 0 };
  for (const [name, expected] of theirs) {
    const mine = ours.get(name);
    assert.ok(mine, `we have ${name}`);
    const [keyStart, keyEnd] = keyBiasTolerance > 0 ? (keyBiasRange(name, expected.length) ?? [0, 0]) : [0, 0];
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < expected.length; i++) {
      if (i >= keyStart && i < keyEnd) {
        assert.ok(Math.abs(mine[i] - expected[i]) <= keyBiasTolerance, `${name}[${i}] (key bias): ${mine[i]} vs ${expected[i]}`);
        continue;
      }
      diff = Math.max(diff, Math.abs(mine[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    if (diff / scale > worst.relative) worst = { name, relative: diff / scale, absolute: diff };
  }
  return worst;
}

for (const name of TRAINED_FIXTURES) {
  test(`${name}: eval_loss before training, losses, grad norms and weights after 3 AdamW steps match transformers' Trainer`, async (t) => {
    const g = golden(name);
    const recipe = g.train as NonNullable<typeof g.train>;
    const { model } = await loadHfCausalLm(fixtureDir(name));
    const dataset = new TokenRowsDataset(g.train_ids, g.pad_token_id);
    const trainer = new Trainer({
      model,
      args: trainingArgs({
        output_dir: tempDir(),
        max_steps: recipe.steps,
        per_device_train_batch_size: recipe.batch_size,
        per_device_eval_batch_size: recipe.batch_size,
        learning_rate: recipe.learning_rate,
        weight_decay: recipe.weight_decay,
        max_grad_norm: recipe.max_grad_norm,
        lr_scheduler_type: 'constant',
        logging_steps: 1,
        save_strategy: 'no',
      }),
      trainDataset: dataset,
      evalDataset: dataset,
      metricNames: ['perplexity'],
    });
    const before = await trainer.evaluate();
    t.diagnostic(`eval_loss ${before.eval_loss} vs transformers ${g.train_eval_loss} (|diff| ${Math.abs(before.eval_loss - g.train_eval_loss).toExponential(2)})`);
    assert.ok(Math.abs(before.eval_loss - g.train_eval_loss) < 1e-4, `eval_loss ${before.eval_loss} vs ${g.train_eval_loss}`);
    assert.ok(Math.abs(before.eval_perplexity - Math.exp(g.train_eval_loss)) < 1e-3 * Math.exp(g.train_eval_loss));

    await trainer.train();
    const losses = trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss as number);
    const norms = trainer.state.logHistory.filter((e) => 'grad_norm' in e).map((e) => e.grad_norm as number);
    assert.equal(losses.length, recipe.steps);
    losses.forEach((loss, i) => assert.ok(Math.abs(loss - recipe.losses[i]) < 1e-4 * recipe.losses[i], `loss ${i}: ${loss} vs ${recipe.losses[i]}`));
    norms.forEach((norm, i) => assert.ok(Math.abs(norm - recipe.grad_norms[i]) < 1e-3 * recipe.grad_norms[i], `grad_norm ${i}: ${norm} vs ${recipe.grad_norms[i]}`));

    const theirs = await readHfWeights(join(fixtureDir(name), 'trained'));
    const expected = new Map([...theirs.tensors].filter(([key]) => key !== 'lm_head.weight' || !model.hf.checkpoint.tieWordEmbeddings).map(([key, entry]) => [key, entry.data as Float32Array]));
    const worst = worstRelative(await fileLayout(model), expected, 2 * recipe.steps * recipe.learning_rate);
    t.diagnostic(`largest relative weight difference ${worst.relative.toExponential(2)} (abs ${worst.absolute.toExponential(2)}, ${worst.name})`);
    assert.ok(worst.relative < 1e-4, `${worst.name}: relative difference ${worst.relative}`);
    model.dispose();
    trainer.optimizer?.dispose();
  });
}

async function trainLlama(batch: number, accumulation: number): Promise<{ weights: Map<string, Float32Array>; losses: number[] }> {
  const g = golden('llama');
  const { model } = await loadHfCausalLm(fixtureDir('llama'));
  const trainer = new Trainer({
    model,
    args: trainingArgs({
      output_dir: tempDir(),
      max_steps: 2,
      per_device_train_batch_size: batch,
      gradient_accumulation_steps: accumulation,
      learning_rate: 1e-3,
      lr_scheduler_type: 'constant',
      logging_steps: 1,
      save_strategy: 'no',
    }),
    trainDataset: new TokenRowsDataset(g.train_ids, g.pad_token_id),
  });
  await trainer.train();
  const weights = await fileLayout(model);
  const losses = trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss as number);
  model.dispose();
  trainer.optimizer?.dispose();
  return { weights, losses };
}

test('gradient accumulation: 2 micro-batches of 4 rows give the update of one batch of 8 (loss summed over target tokens / tokens in the step)', async () => {
  const g = golden('llama');
  const lengths = g.train_ids.map((r) => r.length);
  assert.ok(new Set(lengths).size > 1, 'rows of different lengths, so a mean of micro-batch means would differ');
  const full = await trainLlama(8, 1);
  const accumulated = await trainLlama(4, 2);
  full.losses.forEach((loss, i) => assert.ok(Math.abs(loss - accumulated.losses[i]) < 1e-5, `loss ${i}: ${loss} vs ${accumulated.losses[i]}`));
  const worst = worstRelative(accumulated.weights, full.weights);
  assert.ok(worst.relative < 1e-5, `${worst.name}: ${worst.relative}`);
});

test('the token count is of shifted labels: the first token of each row is no target', async () => {
  const g = golden('gpt2');
  const { model } = await loadHfCausalLm(fixtureDir('gpt2'));
  const dataset = new TokenRowsDataset(g.train_ids.slice(0, 2), g.pad_token_id);
  const trainer = new Trainer({ model, args: trainingArgs({ output_dir: tempDir(), per_device_eval_batch_size: 1 }), evalDataset: dataset });
  // Row by row (batch 1) the token-weighted mean equals one batch's mean only with the shifted count.
  const metrics = await trainer.evaluate();
  const trainerTwo = new Trainer({ model, args: trainingArgs({ output_dir: tempDir(), per_device_eval_batch_size: 2 }), evalDataset: dataset });
  const together = await trainerTwo.evaluate();
  assert.ok(Math.abs(metrics.eval_loss - together.eval_loss) < 1e-6, `${metrics.eval_loss} vs ${together.eval_loss}`);
  model.dispose();
});
