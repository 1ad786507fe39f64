/**
 * Packing rows into fixed-length blocks, mirroring TRL's `pack_dataset` (trl/data_utils.py) as
 * SFTTrainer calls it: `bfd` (best-fit decreasing, its default) and `wrapped`.
 */
import { IGNORE_INDEX } from '../labels';

export interface TokenSequence {
  ids: Int32Array;
  labels: Int32Array;
}

export interface PackedBlocks {
  ids: Int32Array[];
  labels: Int32Array[];
  /** bfd only: positions restarting at 0 at each row of a block (TRL's `seq_lengths` → position_ids). */
  positionIds?: Int32Array[];
  /** bfd only: the length of each row in each block. */
  seqLengths?: number[][];
  /** Rows longer than the block that bfd cut (TRL discards the overflow). */
  truncatedRows: number;
}

/**
 * Best-fit decreasing: rows (cut to `length`) sorted by length, longest first (ties in file order), each
 * placed in the open block with the least room that still fits it, else in a new block. As TRL's
 * padding-free collator does, the first token of each row is not a target (it would be predicted from
 * the previous row) and positions restart there.
 */
export function packBfd(rows: readonly TokenSequence[], length: number): PackedBlocks {
  let truncatedRows = 0;
  const kept: TokenSequence[] = [];
  for (const row of rows) {
    if (row.ids.length === 0) continue;
    if (row.ids.length > length) {
      truncatedRows++;
      kept.push({ ids: row.ids.subarray(0, length), labels: row.labels.subarray(0, length) });
    } else kept.push(row);
  }
  const order = kept.map((row, index) => ({ length: row.ids.length, index }));
  order.sort((a, b) => b.length - a.length || a.index - b.index);

  const tree = new SpaceTree(length);
  tree.add(length); // a fresh block always has room for one more row
  const blocksWithSpace = new Map<number, Bin[]>();
  const bins: Bin[] = [];
  for (const { length: rowLength, index } of order) {
    const space = tree.search(rowLength);
    let bin: Bin;
    if (space < length) {
      const queue = blocksWithSpace.get(space) as Bin[];
      bin = queue.shift() as Bin;
      if (queue.length === 0) tree.remove(space);
    } else {
      bin = { rows: [], length: 0 };
      bins.push(bin);
    }
    bin.rows.push(index);
    bin.length += rowLength;
    const left = space - rowLength;
    const queue = blocksWithSpace.get(left);
    if (queue) queue.push(bin);
    else blocksWithSpace.set(left, [bin]);
    if (left > 0) tree.add(left);
  }

  const ids: Int32Array[] = [];
  const labels: Int32Array[] = [];
  const positionIds: Int32Array[] = [];
  const seqLengths: number[][] = [];
  for (const bin of bins) {
    const blockIds = new Int32Array(bin.length);
    const blockLabels = new Int32Array(bin.length);
    const positions = new Int32Array(bin.length);
    let at = 0;
    for (const index of bin.rows) {
      const row = kept[index];
      blockIds.set(row.ids, at);
      blockLabels.set(row.labels, at);
      blockLabels[at] = IGNORE_INDEX;
      for (let t = 0; t < row.ids.length; t++) positions[at + t] = t;
      at += row.ids.length;
    }
    ids.push(blockIds);
    labels.push(blockLabels);
    positionIds.push(positions);
    seqLengths.push(bin.rows.map((index) => kept[index].ids.length));
  }
  return { ids, labels, positionIds, seqLengths, truncatedRows };
}

/** Every row's tokens in file order as one stream, cut every `length` tokens (the last block may be shorter). */
export function packWrapped(rows: readonly TokenSequence[], length: number): PackedBlocks {
  let total = 0;
  for (const row of rows) total += row.ids.length;
  const allIds = new Int32Array(total);
  const allLabels = new Int32Array(total);
  let at = 0;
  for (const row of rows) {
    allIds.set(row.ids, at);
    allLabels.set(row.labels, at);
    at += row.ids.length;
  }
  const ids: Int32Array[] = [];
  const labels: Int32Array[] = [];
  for (let start = 0; start < total; start += length) {
    ids.push(allIds.slice(start, start + length));
    labels.push(allLabels.slice(start, start + length));
  }
  return { ids, labels, truncatedRows: 0 };
}

interface Bin {
  rows: number[];
  length: number;
}

/** TRL's _SegmentTree: the smallest free space at least as large as a row, in O(log length). */
class SpaceTree {
  private readonly size: number;
  private readonly tree: Int32Array;

  constructor(private readonly maxValue: number) {
    let size = 1;
    while (size < maxValue) size <<= 1;
    this.size = size;
    this.tree = new Int32Array(2 * size);
  }

  add(value: number): void {
    this.set(value, value);
  }

  remove(value: number): void {
    this.set(value, 0);
  }

  private set(value: number, stored: number): void {
    if (value <= 0 || value > this.maxValue) throw new RangeError(`space ${value} outside (0, ${this.maxValue}]`);
    let i = this.size + value - 1;
    this.tree[i] = stored;
    while (i > 1) {
      i >>= 1;
      this.tree[i] = Math.max(this.tree[2 * i], this.tree[2 * i + 1]);
    }
  }

  search(value: number): number {
    let i = 1;
    while (i < this.size) i = this.tree[2 * i] >= value ? 2 * i : 2 * i + 1;
    return this.tree[i];
  }
}
