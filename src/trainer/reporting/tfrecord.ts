/**
 * TFRecord framing, the container of TensorBoard event files: per record
 * uint64 length (little-endian), masked CRC-32C of those 8 bytes, the data, masked CRC-32C of the data.
 */
import { maskedCrc32c } from './crc32c';

export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  // uint64 little-endian as two halves: no BigInt on this path.
  view.setUint32(0, data.length % 2 ** 32, true);
  view.setUint32(4, Math.floor(data.length / 2 ** 32), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
