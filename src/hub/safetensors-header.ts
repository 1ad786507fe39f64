/** Parameter counts from a safetensors header alone (8 + N bytes), without reading the weights. */
import { closeSync, openSync, readSync } from 'node:fs';

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Sum of element counts of the tensors in one safetensors file; undefined when the header is unreadable. */
export function countParameters(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const lengthBytes = Buffer.alloc(8);
    if (readSync(fd, lengthBytes, 0, 8, 0) !== 8) return undefined;
    const length = Number(lengthBytes.readBigUInt64LE(0));
    if (length <= 0 || length > MAX_HEADER_BYTES) return undefined;
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 8) !== length) return undefined;
    const json = JSON.parse(header.toString('utf8')) as Record<string, { shape?: number[] }>;
    let total = 0;
    for (const [name, info] of Object.entries(json)) {
      if (name === '__metadata__' || !Array.isArray(info.shape)) continue;
      total += info.shape.reduce((a, b) => a * b, 1);
    }
    return total;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
