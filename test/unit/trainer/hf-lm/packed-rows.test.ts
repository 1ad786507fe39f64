/**
 * Rows packed into one sequence (TRL's padding-free `bfd` packing, position_ids restarting at 0) do
 * not attend to each other: each row's logits inside the block equal its logits alone, as with
 * transformers' packed-sequence mask (fixtures: `.venv/bin/python scripts/make-lm-fixtures.py`).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadHfCausalLm } from '../../../../src/trainer/models/hf/load-decoder';
import { LM_FIXTURES, fixtureDir, golden } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

async function logitsOf(model: Awaited<ReturnType<typeof loadHfCausalLm>>['model'], ids: number[], positions?: number[]): Promise<number[][]> {
  const inputs: Record<string, tf.Tensor> = { input_ids: tf.tensor2d([ids], undefined, 'int32') };
  if (positions) inputs.position_ids = tf.tensor2d([positions], undefined, 'int32');
  const logits = model.forward(inputs).logits;
  const rows = ((await logits.array()) as number[][][])[0];
  tf.dispose([logits, ...Object.values(inputs)]);
  return rows;
}

function maxDiff(a: number[][], b: number[][]): number {
  let most = 0;
  a.forEach((row, i) => row.forEach((v, j) => (most = Math.max(most, Math.abs(v - b[i][j])))));
  return most;
}

for (const name of LM_FIXTURES) {
  test(`${name}: each packed row's logits equal the row's logits alone`, async () => {
    const first = golden(name).encodings[0].input_ids.slice(0, 6);
    const second = golden(name).encodings[1].input_ids.slice(0, 5);
    const { model } = await loadHfCausalLm(fixtureDir(name));
    const alone = [await logitsOf(model, first), await logitsOf(model, second)];
    const positions = [...first.map((_, i) => i), ...second.map((_, i) => i)];
    const packed = await logitsOf(model, [...first, ...second], positions);
    assert.ok(maxDiff(packed.slice(0, first.length), alone[0]) < 1e-5, 'the first row');
    assert.ok(maxDiff(packed.slice(first.length), alone[1]) < 1e-5, 'the second row sees only itself');
    // Without restarting positions it is one sequence: the second row's logits differ.
    const joined = await logitsOf(model, [...first, ...second]);
    assert.ok(maxDiff(joined.slice(first.length), alone[1]) > 1e-3);
    model.dispose();
  });
}
