/** Small Hub repos for the mock Hub: a BERT-shaped config, real safetensors bytes, a tokenizer, and files never to download. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MockRepoSpec } from './mock-hub';

/** A valid safetensors file: one F32 tensor per entry, filled with a deterministic ramp. */
export function safetensorsBytes(tensors: Record<string, number[]>): Uint8Array {
  let offset = 0;
  const header: Record<string, unknown> = {};
  const datas: Buffer[] = [];
  for (const [name, shape] of Object.entries(tensors)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = Buffer.alloc(count * 4);
    for (let i = 0; i < count; i++) data.writeFloatLE((i % 97) / 97, i * 4);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
    datas.push(data);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return new Uint8Array(Buffer.concat([length, Buffer.from(json), ...datas]));
}

export const COMMIT_A = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
export const COMMIT_B = 'b'.repeat(8) + '0123456789abcdef0123456789abcdef';

/** The files of a tiny model at one commit; `seed` varies the weights so commits differ. */
export function tinyModelFiles(seed = 0): Record<string, string | Uint8Array> {
  return {
    'config.json': JSON.stringify({ model_type: 'bert', architectures: ['BertForSequenceClassification'], hidden_size: 128, seed }),
    'model.safetensors': safetensorsBytes({ 'bert.embeddings.word_embeddings.weight': [128, 128 + seed], 'classifier.weight': [2, 128] }),
    'tokenizer.json': JSON.stringify({ version: '1.0', model: { type: 'WordPiece', vocab: { '[UNK]': 0 } } }),
    'tokenizer_config.json': JSON.stringify({ model_max_length: 512 }),
    'pytorch_model.bin': 'a pickle that must never be downloaded',
    'onnx/model.onnx': 'an onnx export that must never be downloaded',
    'README.md': '# tiny\n',
  };
}

export function tinyRepo(id = 'test-org/tiny-bert', extra: Partial<MockRepoSpec> = {}): MockRepoSpec {
  return { id, refs: { main: COMMIT_B, v1: COMMIT_A }, commits: { [COMMIT_A]: tinyModelFiles(1), [COMMIT_B]: tinyModelFiles(0) }, ...extra };
}

/** The files a fine-tune takes from tinyModelFiles. */
export const NEEDED_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

/**
 * A cache folder laid out byte for byte as huggingface_hub writes it (refs/main, blobs/<etag>,
 * relative links), holding `org/cached` at COMMIT_A: a bert config and 4 weights.
 */
export function writePythonLikeCache(): string {
  const cache = mkdtempSync(join(tmpdir(), 'fts-pylike-cache-'));
  const repo = join(cache, 'models--org--cached');
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), COMMIT_A);
  mkdirSync(join(repo, 'blobs'));
  mkdirSync(join(repo, 'snapshots', COMMIT_A), { recursive: true });
  for (const [name, etag, content] of [
    ['config.json', '1'.repeat(40), '{"model_type":"bert","architectures":["BertForSequenceClassification"]}'],
    ['model.safetensors', 'f'.repeat(64), safetensorsBytes({ w: [2, 2] })],
  ] as const) {
    writeFileSync(join(repo, 'blobs', etag), content);
    symlinkSync(`../../blobs/${etag}`, join(repo, 'snapshots', COMMIT_A, name));
  }
  return cache;
}
