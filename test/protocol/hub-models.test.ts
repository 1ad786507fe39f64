/**
 * The real server over stdio with a Hugging Face cache laid out as Python writes it (HF_HUB_CACHE):
 * model.from_pretrained completion lists the cached models and local folders, hover summarises a
 * cached checkpoint or says the run downloads it, and diagnostics flag what offline mode cannot
 * load (FTS220) and a revision the cache lacks (FTS221). No network: there is no Hub to reach.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../../server/uri';
import { LspTestClient, itemsOf } from './lsp-client';
import { COMMIT_A, writePythonLikeCache } from '../support/hub-fixtures';


const config = (value: string) => `model:\n  from_pretrained: ${value}\ndata:\n  train_file: train.jsonl\n`;

describe('language server: Hub models from the local cache', () => {
  const cache = writePythonLikeCache();
  const root = mkdtempSync(join(tmpdir(), 'fts-lsp-hub-'));
  let online: LspTestClient;
  let offline: LspTestClient;
  let serial = 0;
  const open = async (client: LspTestClient, value: string) => {
    const uri = pathToUri(join(root, `c${serial++}.trainer.yaml`));
    await client.open(uri, 'yaml', config(value));
    const all = (await client.diagnosticsForVersion(uri, 1)).diagnostics;
    // Only what concerns from_pretrained (a one-row dataset draws other warnings).
    return { uri, diagnostics: all.filter((d) => ['FTS206', 'FTS220', 'FTS221'].includes(String(d.code))) };
  };

  before(async () => {
    writeFileSync(join(root, 'train.jsonl'), '{"text":"a","label":0}\n');
    mkdirSync(join(root, 'my-model'));
    const env = { HF_HUB_CACHE: cache, HF_ENDPOINT: 'http://127.0.0.1:9' };
    [online, offline] = await Promise.all([
      LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 }, env }),
      LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 }, env: { ...env, HF_HUB_OFFLINE: '1' } }),
    ]);
  });
  after(async () => {
    await Promise.all([online.stop(), offline.stop()]);
    rmSync(root, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  });

  it('completes from_pretrained with the cached models (id, model_type, size) and local folders', async () => {
    const { uri } = await open(online, 'x');
    const items = itemsOf(await online.completion(uri, { line: 1, character: 19 }));
    const cached = items.find((i) => i.label === 'org/cached');
    assert.ok(cached, items.map((i) => i.label).join(', '));
    assert.match(cached.detail ?? '', /^bert · 4 params · \d+ B$/);
    assert.deepEqual(cached.textEdit && 'range' in cached.textEdit ? cached.textEdit.range : undefined, { start: { line: 1, character: 19 }, end: { line: 1, character: 20 } });
    assert.ok(items.some((i) => i.label === 'my-model/'), 'local folders are offered too');
  });

  it('hover shows a cached checkpoint, or says an uncached one is downloaded at run start', async () => {
    const { uri } = await open(online, 'org/cached');
    const hover = await online.hover(uri, { line: 1, character: 22 });
    const text = (hover?.contents as MarkupContent).value;
    assert.match(text, /\*\*org\/cached\*\* \(Hugging Face cache\): bert · 4 params/);
    assert.match(text, /BertForSequenceClassification/);
    assert.ok(text.includes(COMMIT_A));
    const missing = await open(online, 'org/elsewhere');
    const later = (await online.hover(missing.uri, { line: 1, character: 22 }))?.contents as MarkupContent;
    assert.match(later.value, /org\/elsewhere is not in the Hugging Face cache .*; it will be downloaded from the Hub at run start/);
  });

  it('online: an uncached model is no problem, a revision the cache lacks is warning FTS221', async () => {
    assert.deepEqual((await open(online, 'org/elsewhere')).diagnostics, []);
    assert.deepEqual((await open(online, 'org/cached')).diagnostics, []);
    const [warning] = (await open(online, 'org/cached@v2')).diagnostics;
    assert.equal(warning.code, 'FTS221');
    assert.equal(warning.severity, 2);
    assert.match(warning.message, /revision 'v2' of org\/cached is not in the cache \(cached: main\)/);
  });

  it('offline: what the cache lacks is error FTS220 at the value; a cached model is fine', async () => {
    const [error] = (await open(offline, 'org/elsewhere')).diagnostics;
    assert.equal(error.code, 'FTS220');
    assert.equal(error.severity, 1);
    assert.deepEqual(error.range, { start: { line: 1, character: 19 }, end: { line: 1, character: 32 } });
    assert.deepEqual((await open(offline, 'org/cached')).diagnostics, []);
  });
});
