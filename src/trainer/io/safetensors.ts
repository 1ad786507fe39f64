/**
 * The safetensors format: 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Writing atomically is the caller's job.
 */
import { readFile, writeFile } from 'node:fs/promises';

export type SafetensorsDtype = 'F32' | 'I32';

export interface SafetensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorEntry>;
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/** Bytes per element of every dtype we read; wider and narrower ones are converted to F32/I32. */
const ELEMENT_BYTES: Record<string, number> = { F32: 4, I32: 4, F64: 8, I64: 8, F16: 2, BF16: 2 };

export function encodeSafetensors(tensors: Record<string, SafetensorEntry>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const [name, { dtype, shape, data }] of Object.entries(tensors)) {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`safetensors: "${name}" has ${data.length} values but shape [${shape.join(', ')}] needs ${expected}`);
    if ((dtype === 'F32') !== data instanceof Float32Array) throw new Error(`safetensors: "${name}" is declared ${dtype} but holds a ${data.constructor.name}`);
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keeps the data 8-byte aligned, as the reference writer does
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let position = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(littleEndian(bytes, 4), position);
    position += data.byteLength;
  }
  return out;
}

export async function writeSafetensors(path: string, tensors: Record<string, SafetensorEntry>, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return decodeSafetensors(await readFile(path), path);
}

/** A header larger than this is not a real one (the reference reader caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const fail = (why: string) => new Error(`${source}: not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw fail(`${bytes.length} bytes, shorter than its 8-byte header length (a truncated download?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw fail(`header length ${headerLength} is above the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLength > bytes.length) throw fail(`header length ${headerLength} exceeds the file size ${bytes.length} (a truncated download?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw fail(`header is not JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, SafetensorEntry> = {};
  let metadata: Record<string, string> = {};
  const ranges: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = value as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const width = typeof dtype === 'string' ? ELEMENT_BYTES[dtype] : undefined;
    if (!width) throw fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; readable dtypes: ${Object.keys(ELEMENT_BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== count * width) {
      throw fail(`tensor "${name}" claims bytes [${begin}, ${end}) but ${dtype} [${shape.join(', ')}] needs ${count * width} bytes`);
    }
    if (end > dataLength) throw fail(`tensor "${name}" ends at byte ${end} of the data but the file holds only ${dataLength} (a truncated download?)`);
    ranges.push({ name, begin, end });
    // Copy: the data may not be aligned for a typed-array view, and the result must not alias the file buffer.
    const raw = new Uint8Array(bytes.subarray(dataStart + begin, dataStart + end)); // a copy (Buffer.slice would alias)
    tensors[name] = { dtype: (dtype as string).startsWith('I') ? 'I32' : 'F32', shape: [...(shape as number[])], data: convert(dtype as string, raw, count) };
  }
  // The reference reader requires the tensors to tile the data exactly: no overlaps, no gaps.
  ranges.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const range of ranges) {
    if (range.begin !== expected) throw fail(`tensor "${range.name}" starts at byte ${range.begin} of the data, expected ${expected} (overlapping or missing data)`);
    expected = range.end;
  }
  return { tensors, metadata };
}

function convert(dtype: string, raw: Uint8Array, count: number): Float32Array | Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'F32': {
      const native = littleEndian(raw, 4);
      return new Float32Array(native.buffer, native.byteOffset, count);
    }
    case 'I32': {
      const native = littleEndian(raw, 4);
      return new Int32Array(native.buffer, native.byteOffset, count);
    }
    case 'F64':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true));
    case 'I64':
      return Int32Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    case 'BF16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte-swaps elements in place on a big-endian host (a copy is made when swapping). */
function littleEndian(bytes: Uint8Array, width: number): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  return out;
}
