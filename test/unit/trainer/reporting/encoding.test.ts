/**
 * The event-file encoder against tensorboard itself: test/python/tensorboard_events.py (golden)
 * reads what we write, checks framing and CRCs with tensorboard's masked_crc32c, and compares each
 * Event with the one tensorboard's protos build for the same input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32c, maskedCrc32c } from '../../../../src/trainer/reporting/crc32c';
import { encodeVarint, ProtoWriter } from '../../../../src/trainer/reporting/protobuf';
import { tfRecord } from '../../../../src/trainer/reporting/tfrecord';
import { EventFileWriter, eventFileName } from '../../../../src/trainer/reporting/event-file';
import { scalarEvent, sessionEndEvent, sessionStartEvent, SessionStatus, textEvent } from '../../../../src/trainer/reporting/tb-events';
import { runPython, skipWithoutPython } from '../../../support/reference-python';

const SCRIPT = resolve(__dirname, '../../../python/tensorboard_events.py');
const bytes = (...values: number[]) => Uint8Array.from(values);

test('CRC-32C: the RFC 3720 check value and test vectors; the masked form as TensorFlow computes it', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, 'RFC 3720 B.4: 32 bytes of zeros');
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43, 'RFC 3720 B.4: 32 bytes of 0xff');
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e, 'RFC 3720 B.4: incrementing bytes');
  // ((crc >>> 15) | (crc << 17)) + 0xa282ead8, from tensorflow/tsl/lib/hash/crc32c.h
  const crc = crc32c(new TextEncoder().encode('123456789'));
  assert.equal(maskedCrc32c(new TextEncoder().encode('123456789')), ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('varints: protobuf encoding of small, multi-byte, 64-bit and negative values', () => {
  assert.deepEqual(encodeVarint(0n), bytes(0));
  assert.deepEqual(encodeVarint(1n), bytes(1));
  assert.deepEqual(encodeVarint(127n), bytes(0x7f));
  assert.deepEqual(encodeVarint(128n), bytes(0x80, 0x01));
  assert.deepEqual(encodeVarint(300n), bytes(0xac, 0x02), 'the protobuf encoding guide example');
  assert.deepEqual(encodeVarint((1n << 64n) - 1n), bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  assert.deepEqual(encodeVarint(-1n), encodeVarint((1n << 64n) - 1n), 'int64 -1 is ten bytes');
  assert.throws(() => encodeVarint(1n << 64n), RangeError);
});

test('protobuf fields: tags, fixed-width little-endian numbers, length-delimited strings and messages', () => {
  const encoded = new ProtoWriter()
    .varint(1, 150)
    .string(2, 'testing')
    .double(3, 1.5)
    .float(4, 0.25)
    .message(5, (m) => m.varint(1, true))
    .finish();
  assert.deepEqual(
    encoded,
    bytes(0x08, 0x96, 0x01, 0x12, 0x07, ...new TextEncoder().encode('testing'), 0x19, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x25, 0, 0, 0x80, 0x3e, 0x2a, 0x02, 0x08, 0x01),
  );
});

test('TFRecord framing: length, masked CRC of the length, data, masked CRC of the data', () => {
  const data = new TextEncoder().encode('abc');
  const record = tfRecord(data);
  const view = new DataView(record.buffer);
  assert.equal(record.length, 8 + 4 + 3 + 4);
  assert.equal(view.getBigUint64(0, true), 3n);
  assert.equal(view.getUint32(8, true), maskedCrc32c(record.subarray(0, 8)));
  assert.deepEqual(record.subarray(12, 15), data);
  assert.equal(view.getUint32(15, true), maskedCrc32c(data));
});

test('event file names follow tensorboard: events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>, n never reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-tb-name-'));
  assert.equal(eventFileName(dir, 1_700_000_123.9, 'box', 42), 'events.out.tfevents.1700000123.box.42.0');
  assert.equal(eventFileName(dir, 12, 'box', 42), 'events.out.tfevents.0000000012.box.42.0');
  const first = new EventFileWriter(dir, 1_700_000_000);
  const second = new EventFileWriter(dir, 1_700_000_000);
  first.close();
  second.close();
  assert.notEqual(first.path, second.path);
  assert.equal(readdirSync(dir).length, 2);
});

test('every record reads in tensorboard and equals the Event tensorboard builds for the same input', { skip: skipWithoutPython() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-tb-golden-'));
  const writer = new EventFileWriter(dir, 1_700_000_000.25);
  const specs: Record<string, unknown>[] = [{ kind: 'version', wall: 1_700_000_000.25 }];
  const scalar = (wall: number, step: number, tag: string, value: number) => {
    writer.write(scalarEvent({ wallTime: wall, step }, tag, value));
    specs.push({ kind: 'scalar', wall, step, tag, value });
  };
  scalar(1_700_000_001.5, 0, 'train/loss', 0.6931);
  scalar(1_700_000_002.5, 5, 'train/learning_rate', 5e-5);
  scalar(1_700_000_003.5, 2 ** 40, 'eval/accuracy', 0);
  scalar(1_700_000_004.5, 7, 'train/grad_norm', -3.25e30);
  const text = 'learning_rate: 5e-5\n"quoted" ünïcödé ✓';
  writer.write(textEvent({ wallTime: 1_700_000_005, step: 0 }, 'args', text));
  specs.push({ kind: 'text', wall: 1_700_000_005, step: 0, tag: 'args', text });
  const hparams: [string, number | string | boolean][] = [['learning_rate', 5e-5], ['optim', 'adamw_torch'], ['load_best_model_at_end', true], ['seed', 42]];
  writer.write(sessionStartEvent({ wallTime: 1_700_000_006, step: 0 }, new Map(hparams), 1_700_000_006));
  specs.push({ kind: 'start', wall: 1_700_000_006, step: 0, hparams, time: 1_700_000_006 });
  writer.write(sessionEndEvent({ wallTime: 1_700_000_007, step: 9 }, SessionStatus.failure, 1_700_000_007));
  specs.push({ kind: 'end', wall: 1_700_000_007, step: 9, status: 2, time: 1_700_000_007 });
  writer.close();

  const report = JSON.parse(runPython(SCRIPT, ['golden', writer.path], { input: JSON.stringify(specs) })) as {
    records: number;
    results: { kind: string; header_crc: boolean; body_crc: boolean; equal: boolean; same_bytes: boolean; got: string; expected: string }[];
  };
  assert.equal(report.records, specs.length);
  for (const [i, result] of report.results.entries()) {
    assert.ok(result.header_crc && result.body_crc, `record ${i} (${result.kind}): CRC`);
    assert.ok(result.equal, `record ${i} (${result.kind}) differs:\n${result.got}\nexpected:\n${result.expected}`);
    // Maps have no fixed order on the wire; everything else is byte for byte what protobuf writes.
    if (result.kind !== 'start') assert.ok(result.same_bytes, `record ${i} (${result.kind}): bytes`);
  }
});
