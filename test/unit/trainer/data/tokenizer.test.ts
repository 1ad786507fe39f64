import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer, loadTokenizer, splitWords, WordTokenizer } from '../../../../src/trainer/tokenizer';

const texts = ['The movie was great!', 'the plot was boring...', 'Great, great acting', 'Zebra and apple'];

test('split follows the HF Whitespace pre-tokenizer: word runs and punctuation runs, unicode letters kept', () => {
  assert.deepEqual(splitWords("Ça m'a plu... Très bien!", true), ['ça', 'm', "'", 'a', 'plu', '...', 'très', 'bien', '!']);
  assert.deepEqual(splitWords('naïve café_2x', false), ['naïve', 'café_2x']);
});

test('build ranks words by count, ties alphabetically, after [PAD] and [UNK]', () => {
  const tok = WordTokenizer.build(texts, { vocabSize: 100, lowercase: true });
  // great:3, the:2, was:2, then single-count words alphabetically ('!' and ',' and '...' sort before letters)
  assert.deepEqual(tok.vocab.slice(0, 7), ['[PAD]', '[UNK]', 'great', 'the', 'was', '!', ',']);
  const again = WordTokenizer.build([...texts].reverse(), { vocabSize: 100, lowercase: true });
  assert.deepEqual(again.vocab, tok.vocab, 'input order must not change the vocabulary');
  const small = WordTokenizer.build(texts, { vocabSize: 4, lowercase: true });
  assert.deepEqual(small.vocab, ['[PAD]', '[UNK]', 'great', 'the']);
});

test('encode pads, truncates and maps unknown words to [UNK]', () => {
  const tok = WordTokenizer.build(texts, { vocabSize: 100, lowercase: true });
  const { ids, mask } = tok.encode('GREAT unseenword', 4);
  assert.deepEqual([...ids], [tok.vocab.indexOf('great'), 1, 0, 0]);
  assert.deepEqual([...mask], [1, 1, 0, 0]);
  const long = tok.encode('the the the the the the', 3);
  assert.deepEqual([...long.mask], [1, 1, 1]);
  const cased = WordTokenizer.build(texts, { vocabSize: 100, lowercase: false });
  assert.equal(cased.encode('The', 1).ids[0] === cased.encode('the', 1).ids[0], false);
});

test('save writes an HF WordLevel tokenizer.json and loadTokenizer reads it back identically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fts-tok-'));
  const tok = WordTokenizer.build(texts, { vocabSize: 100, lowercase: true });
  await tok.save(dir);
  const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
  assert.equal(json.model.type, 'WordLevel');
  assert.equal(json.model.unk_token, '[UNK]');
  assert.equal(json.pre_tokenizer.type, 'Whitespace');
  assert.equal(json.normalizer.type, 'Lowercase');
  const loaded = await loadTokenizer(dir);
  assert.ok(loaded instanceof WordTokenizer);
  assert.equal(loaded.vocabSize, tok.vocabSize);
  for (const text of [...texts, 'Unknown THE great?!']) assert.deepEqual(loaded.encode(text, 8), tok.encode(text, 8));
});

test('a foreign BPE tokenizer.json loads through @huggingface/tokenizers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fts-bpe-'));
  const vocab = { '<pad>': 0, '<unk>': 1, l: 2, o: 3, w: 4, e: 5, r: 6, lo: 7, low: 8, er: 9 };
  const bpe = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<pad>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, vocab, merges: ['l o', 'lo w', 'e r'] },
  };
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(bpe));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<pad>' }));
  const tok = await loadTokenizer(dir);
  assert.ok(tok instanceof HfTokenizer);
  assert.equal(tok.vocabSize, 10);
  const { ids, mask } = tok.encode('lower low', 5);
  assert.deepEqual([...ids], [8, 9, 8, 0, 0]);
  assert.deepEqual([...mask], [1, 1, 1, 0, 0]);
  const copy = await mkdtemp(join(tmpdir(), 'fts-bpe-copy-'));
  await tok.save(copy);
  assert.deepEqual((await loadTokenizer(copy)).encode('lower', 3), tok.encode('lower', 3));
});

test('loadTokenizer names the missing file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fts-none-'));
  await assert.rejects(loadTokenizer(dir), /tokenizer\.json: not found/);
});
