/**
 * Greedy generation through the KV cache against transformers' `model.generate(max_new_tokens=20,
 * do_sample=False)` on lm-core's tiny random checkpoints (GPT-2, Llama sharded, Qwen2), with the
 * model's EOS and with a list of EOS ids. Goldens: `.venv/bin/python scripts/make-generation-goldens.py`.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TextGenerator } from '../../../../src/trainer/generation/generator';
import { resolveGeneration } from '../../../../src/trainer/generation/settings';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { HfTokenizer, loadTokenizer } from '../../../../src/trainer/tokenizer';

interface GreedyRun {
  prompt: string;
  prompt_ids: number[];
  eos_token_id: number | number[];
  tokens: number[];
  text: string;
}
const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const golden = JSON.parse(readFileSync(join(FIXTURES, 'generation/greedy.json'), 'utf8')) as { models: Record<string, GreedyRun[]>; weights_sha256: Record<string, string> };

function weightsHash(dir: string): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.safetensors')).sort()) hash.update(readFileSync(join(dir, f)));
  return hash.digest('hex');
}

before(async () => {
  await tf.setBackend('cpu');
});

for (const [name, runs] of Object.entries(golden.models)) {
  test(`${name}: greedy tokens and text equal transformers' generate, for every prompt and EOS setting`, async () => {
    const dir = join(FIXTURES, 'hf-lm', name);
    assert.equal(weightsHash(dir), golden.weights_sha256[name], `test/fixtures/hf-lm/${name} changed since the goldens were made: run .venv/bin/python scripts/make-generation-goldens.py`);
    const { model } = await loadHfCausalLm(dir);
    const tokenizer = await loadTokenizer(dir);
    assert.ok(tokenizer instanceof HfTokenizer);
    const generator = new TextGenerator(model, tokenizer);
    const memory = tf.memory().numTensors;
    for (const run of runs) {
      assert.deepEqual(generator.textPromptIds(run.prompt), run.prompt_ids, `${run.prompt}: prompt ids`);
      const settings = resolveGeneration({ max_new_tokens: 20, do_sample: false }, { eos_token_id: run.eos_token_id }, undefined, 0);
      let streamed = '';
      const out = await generator.generate(run.prompt_ids, settings, { onText: (piece) => (streamed += piece) });
      assert.deepEqual(out.tokens, run.tokens, `${run.prompt} (eos ${JSON.stringify(run.eos_token_id)})`);
      assert.equal(out.finish, run.tokens.length < 20 ? 'eos' : 'length');
      assert.equal(out.text, run.text);
      assert.equal(streamed, run.text, 'the streamed pieces add up to the text');
    }
    assert.equal(tf.memory().numTensors, memory, 'the KV cache is released');
    assert.ok(runs.some((r) => Array.isArray(r.eos_token_id) && r.tokens.length < 20), 'a list of EOS ids stopped a run');
    model.dispose();
  });
}
