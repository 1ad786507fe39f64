/**
 * The sampling warpers against transformers' own LogitsProcessor list (the one `generate` builds),
 * goldens from scripts/make-generation-goldens.py (test/fixtures/generation/warpers.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyTopK,
  applyTopP,
  argmax,
  softmax,
  TokenSampler,
  warpLogits,
  type SamplingSettings,
} from '../../../../src/trainer/generation/sampling';

interface GoldenCase {
  name: string;
  settings: SamplingSettings;
  processors: string[];
  scores: number[];
  warped: (number | null)[];
  probs: number[];
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/generation/warpers.json'), 'utf8')) as { cases: GoldenCase[] };

/** The warpers warpLogits applies for these settings, by transformers' class names, in order. */
function appliedWarpers(s: SamplingSettings): string[] {
  if (!s.doSample) return [];
  return [
    ...(s.temperature !== 1 ? ['TemperatureLogitsWarper'] : []),
    ...(s.topK !== 0 ? ['TopKLogitsWarper'] : []),
    ...(s.topP < 1 ? ['TopPLogitsWarper'] : []),
  ];
}

test('goldens cover every warper and their combination', () => {
  const seen = new Set(golden.cases.flatMap((c) => c.processors));
  assert.deepEqual([...seen].sort(), ['TemperatureLogitsWarper', 'TopKLogitsWarper', 'TopPLogitsWarper']);
  assert.ok(golden.cases.some((c) => c.processors.length === 3));
});

for (const c of golden.cases) {
  test(`${c.name}: the same warpers, in transformers' order, keep the same tokens with the same scores`, () => {
    assert.deepEqual(appliedWarpers(c.settings), c.processors);
    const warped = warpLogits(Float32Array.from(c.scores), c.settings);
    const kept = (row: ArrayLike<number | null>) => Array.from(row, (v, i) => (v === null || v === -Infinity ? -1 : i)).filter((i) => i >= 0);
    assert.deepEqual(kept(warped), kept(c.warped), 'the kept token set');
    for (let i = 0; i < c.warped.length; i++) {
      const want = c.warped[i];
      if (want === null) continue;
      assert.ok(Math.abs(warped[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)), `score ${i}: ${warped[i]} vs ${want}`);
    }
    const probs = softmax(warped);
    for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(probs[i] - c.probs[i]) < 1e-6, `prob ${i}: ${probs[i]} vs ${c.probs[i]}`);
  });
}

test('top-k keeps ties with the k-th score; min_tokens_to_keep raises k', () => {
  const scores = Float32Array.from([1, 3, 2, 3, 0]);
  assert.deepEqual(Array.from(applyTopK(scores, 1)), [-Infinity, 3, -Infinity, 3, -Infinity]);
  assert.deepEqual(Array.from(applyTopK(scores, 2, 3)), [-Infinity, 3, 2, 3, -Infinity]);
  assert.deepEqual(Array.from(applyTopK(scores, 99)), [1, 3, 2, 3, 0]);
});

test('top-p never removes the most likely token, however small top_p is', () => {
  const out = applyTopP(Float32Array.from([0.1, 5, 0.2]), 1e-9);
  assert.deepEqual(Array.from(out), [-Infinity, 5, -Infinity]);
});

test('argmax takes the first of equal maxima, as torch.argmax', () => {
  assert.equal(argmax(Float32Array.from([0, 2, 1, 2])), 1);
});

test('greedy sampling is the argmax; seeded sampling repeats and draws only kept tokens, at their probabilities', () => {
  const scores = Float32Array.from([2, 1, 0.5, 3, -1, 0]);
  assert.equal(new TokenSampler({ doSample: false, temperature: 1, topK: 0, topP: 1 }, 1).next(scores), 3);
  const settings: SamplingSettings = { doSample: true, temperature: 1, topK: 3, topP: 1 };
  const draw = (seed: number, n: number) => {
    const sampler = new TokenSampler(settings, seed);
    return Array.from({ length: n }, () => sampler.next(scores));
  };
  assert.deepEqual(draw(7, 50), draw(7, 50));
  assert.notDeepEqual(draw(7, 50), draw(8, 50));
  const draws = draw(42, 20_000);
  const probs = softmax(warpLogits(scores, settings));
  for (let token = 0; token < scores.length; token++) {
    const freq = draws.filter((t) => t === token).length / draws.length;
    if (probs[token] === 0) assert.equal(freq, 0, `token ${token} was filtered`);
    else assert.ok(Math.abs(freq - probs[token]) < 0.015, `token ${token}: drawn ${freq}, p ${probs[token]}`);
  }
});
