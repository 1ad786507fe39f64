/**
 * gradient_checkpointing: recomputing each block in the backward pass gives the gradients of the plain
 * backward pass, bit for bit, dropout included (each block's masks are seeded by the block, so the
 * recomputation replays them). Fixtures: `.venv/bin/python scripts/make-lm-fixtures.py`.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createLoss } from '../../../../src/trainer/losses';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { fixtureDir, golden, paddedBatch } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

async function gradients(name: string, checkpointing: boolean): Promise<Map<string, Float32Array>> {
  const dropout = name === 'gpt2' ? { resid_pdrop: 0.1, attn_pdrop: 0.1, embd_pdrop: 0.1 } : { attention_dropout: 0.1 };
  const { model } = await loadHfCausalLm(fixtureDir(name), { configOverrides: dropout });
  model.enableGradientCheckpointing(checkpointing);
  const g = golden(name);
  const batch = paddedBatch(g.train_ids, g.pad_token_id);
  const labels = tf.where(tf.equal(batch.attention_mask, 1), batch.input_ids, tf.fill(batch.input_ids.shape, -100, 'int32'));
  const loss = createLoss('CrossEntropy');
  const variables = model.trainableWeights().map((w) => w.variable);
  const { value, grads } = tf.variableGrads(() => loss(model.forward(batch, { training: true, seed: 7 }).logits, labels) as tf.Scalar, variables);
  const out = new Map<string, Float32Array>();
  for (const { name: weight, variable } of model.trainableWeights()) out.set(weight, (await grads[variable.name].data()) as Float32Array);
  tf.dispose([value, ...Object.values(grads), labels, ...Object.values(batch)]);
  model.dispose();
  return out;
}

for (const name of ['gpt2', 'llama']) {
  test(`${name}: gradients with gradient checkpointing equal those without (dropout on)`, async () => {
    const plain = await gradients(name, false);
    const recomputed = await gradients(name, true);
    assert.equal(recomputed.size, plain.size);
    for (const [weight, values] of plain) {
      const other = recomputed.get(weight);
      assert.ok(other, weight);
      assert.ok(values.some((v) => v !== 0), `${weight} has a gradient`);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - other[i]));
      assert.equal(worst, 0, `${weight}: max difference ${worst}`);
    }
  });
}
