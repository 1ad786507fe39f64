/** Token ids through @huggingface/tokenizers against transformers' fast tokenizers (goldens: see helpers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer, HfTokenizer } from '../../../../src/trainer/tokenizer';
import { FIXTURE_NAMES, fixtureDir, golden } from './helpers';

for (const name of FIXTURE_NAMES) {
  test(`${name}: token ids, token-type ids and truncation equal transformers' (truncation=True, max_length)`, async () => {
    const g = golden(name);
    const tokenizer = await loadTokenizer(fixtureDir(name));
    assert.ok(tokenizer instanceof HfTokenizer);
    g.texts.forEach((text, i) => {
      const row = tokenizer.encodeRow(text, g.pairs?.[i], g.max_length);
      const expected = g.encodings[i];
      assert.deepEqual(row.ids, expected.input_ids, `row ${i}: ${text}`);
      if (expected.token_type_ids) assert.deepEqual(row.typeIds, expected.token_type_ids, `row ${i} token types`);
      assert.equal(row.truncated, row.ids.length === g.max_length, `row ${i} truncated flag`);
    });
  });
}
