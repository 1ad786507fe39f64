/**
 * Splitting weights into safetensors shards as transformers' save_pretrained does (huggingface_hub's
 * split_state_dict_into_shards_factory): tensors in order, a new shard when the next one would pass
 * max_shard_size, a tensor larger than that alone in its own shard; model-0000K-of-0000N.safetensors
 * and model.safetensors.index.json when there is more than one.
 */

/** transformers' save_pretrained default. */
export const DEFAULT_MAX_SHARD_SIZE = '50GB';

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };

/** "5GB" (10^9), "500MiB" (2^20) or a byte count, as transformers' convert_file_size_to_int reads them. */
export function parseShardSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`max_shard_size must be a positive number of bytes, got ${value}`);
    return value;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(value);
  if (!match) throw new Error(`max_shard_size "${value}" is not a size; write it as transformers does, e.g. "5GB", "500MB" or "2GiB"`);
  const bytes = Math.floor(Number(match[1]) * UNITS[(match[2] ?? 'B').toUpperCase()]);
  if (bytes <= 0) throw new Error(`max_shard_size "${value}" is zero`);
  return bytes;
}

/** Groups of tensor names, one per shard, in the given order. */
export function planShards(sizes: ReadonlyArray<[name: string, bytes: number]>, maxBytes: number): string[][] {
  const shards: string[][] = [];
  let current: string[] = [];
  let currentSize = 0;
  for (const [name, bytes] of sizes) {
    if (bytes > maxBytes) {
      shards.push([name]);
      continue;
    }
    if (currentSize + bytes > maxBytes && current.length > 0) {
      shards.push(current);
      current = [];
      currentSize = 0;
    }
    current.push(name);
    currentSize += bytes;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

/** model-00001-of-00003.safetensors */
export function shardFileName(index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `model-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}
