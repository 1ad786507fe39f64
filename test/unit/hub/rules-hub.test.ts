/**
 * FTS220 / FTS221 and FTS206 for `model.from_pretrained` Hub ids, with the Node host over a real
 * cache folder laid out as huggingface_hub writes it (built here, byte for byte: refs, blobs, links).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeConfigHost } from '../../../src/cli/config-host';
import { parseConfigText } from '../../../src/config/parse';
import { validateParsedConfig } from '../../../src/config/validate';
import { writePythonLikeCache as pythonLikeCache } from '../../support/hub-fixtures';

function problemsFor(value: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'fts-rules-'));
  writeFileSync(join(dir, 'train.jsonl'), '{"text":"a","label":0}\n');
  const text = `model:\n  from_pretrained: ${value}\ndata:\n  train_file: train.jsonl\n`;
  const parsed = parseConfigText(text, join(dir, 'x.trainer.yaml'));
  return validateParsedConfig(parsed, createNodeConfigHost(env)).problems.filter((p) => ['FTS206', 'FTS220', 'FTS221'].includes(p.code));
}

test('a cached Hub id is no problem, online or offline; an uncached one is no problem online (the run downloads it)', () => {
  const cache = pythonLikeCache();
  assert.deepEqual(problemsFor('org/cached', { HF_HUB_CACHE: cache }), []);
  assert.deepEqual(problemsFor('org/cached', { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' }), []);
  assert.deepEqual(problemsFor('org/elsewhere', { HF_HUB_CACHE: cache }), []);
});

test('offline, an id the cache lacks is FTS220 at the value; online, a revision it lacks is warning FTS221', () => {
  const cache = pythonLikeCache();
  const [offline] = problemsFor('org/elsewhere', { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' });
  assert.equal(offline.code, 'FTS220');
  assert.equal(offline.severity, 'error');
  assert.deepEqual(offline.range.start, { line: 1, character: 19 });
  assert.match(offline.message, /org\/elsewhere is not in the Hugging Face cache \(.*\), and offline mode \(HF_HUB_OFFLINE=1\) forbids downloading it; run `finetune-studio download org\/elsewhere`/);
  const [revision] = problemsFor('org/cached@v2', { HF_HUB_CACHE: cache });
  assert.equal(revision.code, 'FTS221');
  assert.equal(revision.severity, 'warning');
  assert.match(revision.message, /revision 'v2' of org\/cached is not in the cache \(cached: main\); the run downloads it at start/);
});

test('a value that is neither a folder nor a Hub id is still FTS206', () => {
  const [missing] = problemsFor('./no/such/folder', { HF_HUB_CACHE: pythonLikeCache() });
  assert.equal(missing.code, 'FTS206');
  const [notId] = problemsFor('"a/b/c"', { HF_HUB_CACHE: pythonLikeCache() });
  assert.equal(notId.code, 'FTS206');
});
