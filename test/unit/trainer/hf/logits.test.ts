/** Logits of our BERT/RoBERTa/DistilBERT against transformers' on the same checkpoint and inputs (goldens: see helpers.ts). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadHfModel } from '../../../../src/trainer/models/hf/load';
import { FIXTURE_NAMES, fixtureDir, golden, maxAbsDiff, paddedBatch } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

for (const name of FIXTURE_NAMES) {
  test(`${name}: logits equal transformers' within 1e-5 (padded batch, eval mode)`, async () => {
    const g = golden(name);
    const { model } = await loadHfModel(fixtureDir(name));
    const batch = paddedBatch(g, model.hf.checkpoint.padTokenId);
    const { logits } = model.forward(batch);
    const diff = maxAbsDiff(await logits.data(), g.logits.flat());
    tf.dispose([logits, ...Object.values(batch)]);
    model.dispose();
    assert.ok(diff < 1e-5, `max |logit difference| ${diff}`);
  });
}
