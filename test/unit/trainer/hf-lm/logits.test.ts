/** Logits of our GPT-2 / Llama / Qwen2 / Mistral against transformers' on the same checkpoint and inputs, at the real tokens (goldens: see helpers.ts). */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { LM_FIXTURES, fixtureDir, golden, goldenLogits, maxAbsDiffAtTokens, paddedBatch } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

for (const name of LM_FIXTURES) {
  test(`${name}: logits equal transformers' within 1e-5 (right-padded batch, eval mode)`, async (t) => {
    const g = golden(name);
    const expected = goldenLogits(name);
    const { model, report } = await loadHfCausalLm(fixtureDir(name));
    assert.deepEqual(report, { initialised: [], unused: [] });
    const batch = paddedBatch(g.encodings.map((e) => e.input_ids), g.pad_token_id);
    const { logits } = model.forward(batch);
    assert.deepEqual(logits.shape, expected.shape);
    const diff = maxAbsDiffAtTokens(await logits.data(), expected.data, g.encodings.map((e) => e.input_ids.length));
    t.diagnostic(`max |logit difference| ${diff.toExponential(2)}`);
    tf.dispose([logits, ...Object.values(batch)]);
    model.dispose();
    assert.ok(diff < 1e-5, `max |logit difference| ${diff}`);
  });
}
