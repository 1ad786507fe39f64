/**
 * A minimal protocol-buffers encoder: enough for TensorBoard's Event and Summary messages.
 * Fields are written in the order the caller writes them; proto3 readers accept any order.
 */

const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** An int32/int64/uint64/enum/bool field. Integers beyond 2^53 must come as bigint. */
  varint(field: number, value: number | bigint | boolean): this {
    this.tag(field, WireType.Varint);
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    this.push(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? encodeSmallVarint(v) : encodeVarint(BigInt(v)));
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WireType.Fixed64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.push(bytes);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.push(encodeSmallVarint(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** An embedded message, built by `build` on a fresh writer. */
  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wire: WireType): void {
    this.push(encodeSmallVarint(field * 8 + wire));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
}

/** The common case without BigInt (it was most of the encoding time): a non-negative safe integer. */
function encodeSmallVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

/** Base-128 varint; negative numbers as 64-bit two's complement (10 bytes), as protobuf's int64. */
export function encodeVarint(value: bigint): Uint8Array {
  let v = value < 0n ? BigInt.asUintN(64, value) : value;
  if (v >= 1n << 64n) throw new RangeError(`varint out of range: ${value}`);
  const bytes: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(bytes);
}
