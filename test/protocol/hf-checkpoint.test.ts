/**
 * The language server on Hugging Face checkpoint folders (test/fixtures/hf, made by
 * `.venv/bin/python scripts/make-hf-fixtures.py`): hover summary and the FTS23x diagnostics; the
 * same for a Hub id whose snapshot is in the cache (laid out as huggingface_hub writes it).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../../server/uri';
import { LspTestClient, copyFixtures } from './lsp-client';

const HF_FIXTURES = resolve(__dirname, '..', 'fixtures', 'hf');
const COMMIT = 'c'.repeat(40);

/** A cache holding `folder` as the Hub model `repoId` at COMMIT (refs/main, blobs by sha256, relative links), as Python lays it out. */
function cacheWith(repoId: string, folder: string): string {
  const cache = mkdtempSync(join(tmpdir(), 'fts-lsp-hf-cache-'));
  const repo = join(cache, `models--${repoId.replace('/', '--')}`);
  mkdirSync(join(repo, 'refs'), { recursive: true });
  mkdirSync(join(repo, 'blobs'));
  mkdirSync(join(repo, 'snapshots', COMMIT), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), COMMIT);
  for (const name of readdirSync(folder).filter((f) => /\.(json|safetensors)$/.test(f) && f !== 'golden.json')) {
    const bytes = readFileSync(join(folder, name));
    const etag = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(repo, 'blobs', etag), bytes);
    symlinkSync(`../../blobs/${etag}`, join(repo, 'snapshots', COMMIT, name));
  }
  return cache;
}
/** Decoder checkpoints made by `.venv/bin/python scripts/make-lm-fixtures.py`. */
const LM_FIXTURES = resolve(__dirname, '..', 'fixtures', 'hf-lm');

describe('language server on Hugging Face checkpoints', () => {
  let root: string;
  let client: LspTestClient;
  let version = 0;
  const cache = cacheWith('test-org/bert-hub', join(HF_FIXTURES, 'bert'));

  before(async () => {
    root = copyFixtures();
    cpSync(join(HF_FIXTURES, 'bert'), join(root, 'bert'), { recursive: true });
    cpSync(join(HF_FIXTURES, 'roberta'), join(root, 'roberta'), { recursive: true });
    cpSync(join(HF_FIXTURES, 'bert', 'config.json'), join(root, 'pickled', 'config.json'));
    writeFileSync(join(root, 'pickled', 'pytorch_model.bin'), 'pickle');
    cpSync(join(HF_FIXTURES, 'bert', 'config.json'), join(root, 'gpt', 'config.json'));
    writeFileSync(join(root, 'gpt', 'config.json'), JSON.stringify({ model_type: 't5', d_model: 32 }));
    cpSync(join(LM_FIXTURES, 'llama'), join(root, 'llama'), { recursive: true });
    cpSync(join(LM_FIXTURES, 'llama', 'config.json'), join(root, 'yarn', 'config.json'));
    writeFileSync(join(root, 'yarn', 'config.json'), JSON.stringify({ model_type: 'llama', rope_scaling: { rope_type: 'yarn', factor: 4 } }));
    writeFileSync(join(root, 'other-labels.jsonl'), '{"text": "fine", "label": "spam"}\n{"text": "ok", "label": "ham"}\n');
    // CSV: a quoted name, a known name and a class id (ids are not names) beside the unknown ones.
    writeFileSync(join(root, 'other-labels.csv'), 'text,label\nfine,spam\n"ok, really","ham"\nmeh,neutral\nbad,0\n');
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 }, env: { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' } });
  });

  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  async function diagnose(lines: string[]) {
    const uri = pathToUri(join(root, 'hf.trainer.yaml'));
    const text = lines.join('\n') + '\n';
    version = version === 0 ? await client.open(uri, 'yaml', text) : await client.change(uri, text);
    const { diagnostics } = await client.diagnosticsForVersion(uri, version);
    return { uri, diagnostics, codes: diagnostics.map((d) => String(d.code)) };
  }

  const config = (model: string[], trainFile = 'data/train.jsonl') => ['model:', ...model, 'data:', `  train_file: ${trainFile}`];

  it('hovers from_pretrained with the checkpoint: model_type, layers, hidden, heads, vocab, parameters, positions, labels', async () => {
    const { uri, codes } = await diagnose(config(['  from_pretrained: bert']));
    assert.deepEqual(codes.filter((c) => c.startsWith('FTS23')), []);
    const hover = await client.hover(uri, { line: 1, character: 20 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*bert\*\* checkpoint: 2 layers, hidden 32, 4 heads, vocab 253/);
    assert.match(value, /25,667 parameters · max positions 40/);
    assert.match(value, /labels: negative, neutral, positive/);
  });

  it('FTS230: an unsupported model_type lists the supported ones', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: gpt']));
    assert.match(diagnostics.find((d) => d.code === 'FTS230')?.message ?? '', /"t5"; supported: bert, roberta, distilbert, xlm-roberta, gpt2, llama, qwen2, mistral/);
  });

  it('hovers a decoder checkpoint: layers, hidden, heads, kv heads, vocab, parameters; its text data need no label column', async () => {
    const { uri, codes } = await diagnose(config(['  from_pretrained: llama'], 'llama/train.jsonl'));
    assert.deepEqual(codes.filter((c) => c.startsWith('FTS23') || c === 'FTS214'), []);
    const hover = await client.hover(uri, { line: 1, character: 20 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*llama\*\* causal LM: 2 layers, hidden 32, 4 heads, 2 kv heads, head size 8, vocab 300/);
    assert.match(value, /34,720 parameters · max positions 64 · RoPE θ 10000 · separate lm_head/);
  });

  it('FTS236: an unsupported rope_scaling type names the supported ones; FTS231 uses a decoder\'s positions', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: yarn']));
    assert.match(diagnostics.find((d) => d.code === 'FTS236')?.message ?? '', /rope_scaling type "yarn" is not supported; supported: default, linear/);
    const long = await diagnose(config(['  from_pretrained: llama', '  max_length: 65'], 'llama/train.jsonl'));
    assert.match(long.diagnostics.find((d) => d.code === 'FTS231')?.message ?? '', /above the 64 positions/);
  });

  it('FTS231: max_length above the positions (RoBERTa loses padding_idx + 1 of them)', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: roberta', '  max_length: 33']));
    const problem = diagnostics.find((d) => d.code === 'FTS231');
    assert.match(problem?.message ?? '', /above the 32 positions/);
    assert.deepEqual(problem?.range.start, { line: 2, character: 14 });
  });

  it('FTS232: a folder with only pytorch_model.bin', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: pickled']));
    assert.match(diagnostics.find((d) => d.code === 'FTS232')?.message ?? '', /pickle that can run code.*safe_serialization=True/);
  });

  it('FTS233: architecture set together with a checkpoint', async () => {
    const { diagnostics } = await diagnose(config(['  architecture: transformer-encoder', '  from_pretrained: bert']));
    const problem = diagnostics.find((d) => d.code === 'FTS233');
    assert.equal(problem?.severity, 2);
    assert.deepEqual(problem?.range.start, { line: 1, character: 2 });
  });

  it('FTS234: labels the checkpoint does not have mean a new head (information)', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: bert'], 'other-labels.jsonl'));
    const problem = diagnostics.find((d) => d.code === 'FTS234');
    assert.equal(problem?.severity, 3);
    assert.match(problem?.message ?? '', /spam, ham are not in the checkpoint's id2label \(negative, neutral, positive\)/);
  });

  it('FTS234 reads CSV data too: names from the label column, class ids left out', async () => {
    const { diagnostics } = await diagnose(config(['  from_pretrained: bert'], 'other-labels.csv'));
    const problem = diagnostics.find((d) => d.code === 'FTS234');
    assert.equal(problem?.severity, 3);
    assert.match(problem?.message ?? '', /the data's labels spam, ham are not in the checkpoint's id2label \(negative, neutral, positive\)/);
  });

  it('a Hub id from the cache: hover summarises its snapshot\'s checkpoint; FTS231 and FTS234 apply as to a folder', async () => {
    const { uri, codes } = await diagnose(config(['  from_pretrained: test-org/bert-hub']));
    assert.deepEqual(codes.filter((c) => c.startsWith('FTS23') || c.startsWith('FTS22') || c === 'FTS206'), []);
    const hover = await client.hover(uri, { line: 1, character: 24 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*bert\*\* checkpoint: 2 layers, hidden 32, 4 heads, vocab 253/);
    assert.match(value, /labels: negative, neutral, positive/);
    assert.match(value, /\*\*test-org\/bert-hub\*\* \(Hugging Face cache\)/);

    const long = await diagnose(config(['  from_pretrained: test-org/bert-hub', '  max_length: 41']));
    const tooLong = long.diagnostics.find((d) => d.code === 'FTS231');
    assert.match(tooLong?.message ?? '', /max_length 41 is above the 40 positions of test-org\/bert-hub/);
    assert.deepEqual(tooLong?.range.start, { line: 2, character: 14 });

    const labels = await diagnose(config(['  from_pretrained: test-org/bert-hub'], 'other-labels.csv'));
    assert.match(labels.diagnostics.find((d) => d.code === 'FTS234')?.message ?? '', /spam, ham are not in the checkpoint's id2label/);

    const architecture = await diagnose(config(['  architecture: transformer-encoder', '  from_pretrained: test-org/bert-hub']));
    assert.ok(architecture.codes.includes('FTS233'), architecture.codes.join(', '));
  });
});
