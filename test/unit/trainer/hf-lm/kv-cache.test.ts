/**
 * The decode API generation builds on: feeding tokens through the KV cache in pieces gives the logits
 * of one full forward pass, for every architecture (fixtures: `.venv/bin/python scripts/make-lm-fixtures.py`).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { disposeCache, type KvCache } from '../../../../src/trainer/models/hf/decoders';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { LM_FIXTURES, fixtureDir, golden, maxAbsDiff } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

for (const name of LM_FIXTURES) {
  test(`${name}: a prompt then one token at a time through the cache gives the full pass's logits`, async () => {
    const ids = golden(name).encodings[1].input_ids.slice(0, 12);
    const { model } = await loadHfCausalLm(fixtureDir(name));
    const full = tf.tensor2d([ids], undefined, 'int32');
    const expected = await model.forward({ input_ids: full }).logits.array() as number[][][];
    const vocab = model.hf.checkpoint.vocabSize;

    const prompt = 5;
    let step = model.decode({ input_ids: tf.tensor2d([ids.slice(0, prompt)], undefined, 'int32') });
    assert.equal(step.cache.length, prompt);
    assert.deepEqual(step.cache.layers[0].key.shape, [1, model.hf.checkpoint.numKeyValueHeads, prompt, model.hf.checkpoint.headDim]);
    const got: number[][] = (await step.logits.array() as number[][][])[0];
    let cache: KvCache = step.cache;
    step.logits.dispose();
    for (let i = prompt; i < ids.length; i++) {
      step = model.decode({ input_ids: tf.tensor2d([[ids[i]]], undefined, 'int32'), attention_mask: tf.ones([1, i + 1]) }, { past: cache });
      disposeCache(cache);
      cache = step.cache;
      got.push((await step.logits.array() as number[][][])[0][0]);
      step.logits.dispose();
    }
    disposeCache(cache);
    assert.equal(got.length, ids.length);
    assert.equal(got[0].length, vocab);
    const diff = maxAbsDiff(got.flat(), expected[0].flat());
    assert.ok(diff < 1e-5, `max |difference| ${diff}`);
    model.dispose();
  });
}

test('llama: a left-padded row with position ids from the mask gives the unpadded row\'s logits', async () => {
  const ids = golden('llama').encodings[0].input_ids;
  const { model } = await loadHfCausalLm(fixtureDir('llama'));
  const alone = await model.decode({ input_ids: tf.tensor2d([ids], undefined, 'int32') }).logits.array() as number[][][];
  const pad = 3;
  const padded = model.decode({
    input_ids: tf.tensor2d([[...new Array<number>(pad).fill(1), ...ids]], undefined, 'int32'),
    attention_mask: tf.tensor2d([[...new Array<number>(pad).fill(0), ...ids.map(() => 1)]]),
    position_ids: tf.tensor2d([[...new Array<number>(pad).fill(1), ...ids.map((_, i) => i)]], undefined, 'int32'),
  });
  const got = (await padded.logits.array() as number[][][])[0].slice(pad);
  disposeCache(padded.cache);
  assert.ok(maxAbsDiff(got.flat(), alone[0].flat()) < 1e-5);
  model.dispose();
});
