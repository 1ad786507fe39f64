/** The decode loop over a scripted LogitsSession, generation defaults, and streaming text pieces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, type LogitsSession } from '../../../../src/trainer/generation/decode-loop';
import { describeDecoding, resolveGeneration, type ResolvedGeneration } from '../../../../src/trainer/generation/settings';
import { TextStream } from '../../../../src/trainer/generation/text-stream';

/** A session whose next-token logits put all mass on `script[i]`; it records what it was fed. */
function scripted(script: number[], vocab = 8): LogitsSession & { fed: number[][]; disposed: boolean } {
  let i = 0;
  return {
    fed: [],
    disposed: false,
    async feed(ids) {
      this.fed.push([...ids]);
      const row = new Float32Array(vocab);
      row[script[Math.min(i++, script.length - 1)]] = 10;
      return row;
    },
    dispose() {
      this.disposed = true;
    },
  };
}

const greedy = (over: Partial<ResolvedGeneration> = {}): ResolvedGeneration => ({
  sampling: { doSample: false, temperature: 1, topK: 50, topP: 1 }, maxNewTokens: 5, eosTokenIds: [7], seed: 1, ...over,
});

test('the prompt is fed once, then each chosen token alone (the KV cache holds the rest)', async () => {
  const session = scripted([3, 4, 7]);
  const out = await decode(session, [1, 2], greedy());
  assert.deepEqual(out, { tokens: [3, 4, 7], finish: 'eos' });
  assert.deepEqual(session.fed, [[1, 2], [3], [4]]);
});

test('stops at any EOS id of a list, or after max_new_tokens without feeding the last token', async () => {
  assert.deepEqual(await decode(scripted([5, 6, 2]), [1], greedy({ eosTokenIds: [6, 7] })), { tokens: [5, 6], finish: 'eos' });
  const session = scripted([3]);
  assert.deepEqual(await decode(session, [1], greedy({ maxNewTokens: 3 })), { tokens: [3, 3, 3], finish: 'length' });
  assert.equal(session.fed.length, 3);
});

test('onToken streams each token; shouldStop ends early; an empty prompt is refused', async () => {
  const seen: number[] = [];
  const out = await decode(scripted([3, 4, 5]), [1], greedy(), { onToken: (t) => seen.push(t), shouldStop: () => seen.length >= 2 });
  assert.deepEqual(out, { tokens: [3, 4], finish: 'length' });
  assert.deepEqual(seen, [3, 4]);
  await assert.rejects(decode(scripted([3]), [], greedy()), /prompt has no tokens/);
});

test('settings: the generation config wins, then generation_config.json, then transformers defaults', () => {
  const none = resolveGeneration(undefined, undefined, undefined, 42);
  assert.deepEqual(none, { sampling: { doSample: false, temperature: 1, topK: 50, topP: 1 }, maxNewTokens: 32, eosTokenIds: [], seed: 42 });
  const file = { do_sample: true, temperature: 0.6, top_p: 0.9, eos_token_id: [128001, 128009] };
  const fromFile = resolveGeneration({ max_new_tokens: 8 }, file, { eos_token_id: 2 }, 42);
  assert.deepEqual(fromFile.sampling, { doSample: true, temperature: 0.6, topK: 50, topP: 0.9 });
  assert.deepEqual(fromFile.eosTokenIds, [128001, 128009]);
  assert.equal(fromFile.maxNewTokens, 8);
  const overridden = resolveGeneration({ do_sample: false, top_k: 0, seed: 7 }, file, { eos_token_id: 2 }, 42);
  assert.equal(overridden.sampling.doSample, false);
  assert.equal(overridden.sampling.topK, 0);
  assert.equal(overridden.seed, 7);
  assert.deepEqual(resolveGeneration(undefined, {}, { eos_token_id: 2 }, 0).eosTokenIds, [2], 'config.json when the generation file has none');
  assert.equal(describeDecoding(fromFile.sampling), 'sample t=0.6 top_k=50 top_p=0.9');
  assert.equal(describeDecoding(overridden.sampling), 'greedy');
});

test('text stream: a character split over byte tokens is released whole, once', () => {
  // Byte-level pieces: 'é' is two bytes; a lone first byte decodes to U+FFFD.
  const pieces: Record<number, number[]> = { 1: [0x48, 0x69], 2: [0x20, 0xc3], 3: [0xa9], 4: [0x21] };
  const decoder = new TextDecoder();
  const stream = new TextStream((ids) => decoder.decode(Uint8Array.from(ids.flatMap((id) => pieces[id]))));
  const out = [1, 2, 3, 4].map((id) => stream.push(id));
  assert.deepEqual(out, ['Hi', '', ' é', '!']);
  assert.equal(stream.flush(), '');
  assert.equal(out.join(''), stream.text);
});

test('text stream: text a later token rewrites is held back; flush releases what is left', () => {
  const texts: Record<string, string> = { '1': 'a', '1,2': 'a\uFFFD', '1,2,3': 'a\uFFFD\uFFFD' };
  const stream = new TextStream((ids) => texts[ids.join(',')]);
  assert.equal(stream.push(1), 'a');
  assert.equal(stream.push(2), '');
  assert.equal(stream.push(3), '');
  assert.equal(stream.flush(), '\uFFFD\uFFFD', 'an invalid sequence at the very end is shown as it decodes');
});
