/** CausalLmDataset: dynamic padding (pad id in input_ids, 0 in the mask, -100 in labels) and the shifted target count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CausalLmDataset, packBfd } from '../../../../../src/trainer/data/causal';

const i32 = (values: number[]) => Int32Array.from(values);

test('a batch is padded to its longest sequence; padding is masked and never a target', () => {
  const data = new CausalLmDataset({ ids: [i32([5, 6, 7]), i32([8])], labels: [i32([5, 6, 7]), i32([8])], padId: 0 });
  const batch = data.batch([1, 0]);
  assert.deepEqual(batch.input_ids.arraySync(), [[8, 0, 0], [5, 6, 7]]);
  assert.deepEqual(batch.attention_mask.arraySync(), [[1, 0, 0], [1, 1, 1]]);
  assert.deepEqual(batch.labels?.arraySync(), [[8, -100, -100], [5, 6, 7]]);
  assert.equal(batch.position_ids, undefined);
  assert.deepEqual(data.inputNames, ['input_ids', 'attention_mask']);
  for (const t of Object.values(batch)) t.dispose();
});

test('countLabelItems counts labels after the shift (from each sequence\'s second token), as transformers\' Trainer does for causal LMs', () => {
  const data = new CausalLmDataset({ ids: [i32([1, 2, 3, 4]), i32([1, 2])], labels: [i32([1, -100, 3, 4]), i32([-100, 2])], padId: 0 });
  assert.equal(data.countLabelItems([0]), 2);
  assert.equal(data.countLabelItems([1]), 1);
  assert.equal(data.countLabelItems([0, 1]), 3);
});

test('bfd blocks carry position_ids that restart per row, padded with 0', () => {
  const rows = [i32([1, 2, 3]), i32([4, 5]), i32([6, 7, 8, 9])].map((ids) => ({ ids, labels: ids.slice() }));
  const packed = packBfd(rows, 5);
  assert.deepEqual(packed.seqLengths, [[4], [3, 2]]);
  const data = new CausalLmDataset({ ids: packed.ids, labels: packed.labels, positionIds: packed.positionIds, padId: 0 });
  assert.deepEqual(data.inputNames, ['input_ids', 'attention_mask', 'position_ids']);
  const batch = data.batch([0, 1]);
  assert.deepEqual(batch.input_ids.arraySync(), [[6, 7, 8, 9, 0], [1, 2, 3, 4, 5]]);
  assert.deepEqual(batch.position_ids?.arraySync(), [[0, 1, 2, 3, 0], [0, 1, 2, 0, 1]]);
  assert.deepEqual(batch.labels?.arraySync(), [[-100, 7, 8, 9, -100], [-100, 2, 3, -100, 5]]);
  for (const t of Object.values(batch)) t.dispose();
});
