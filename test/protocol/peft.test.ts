/**
 * The language server on `peft:` (LoRA) sections, over stdio: completion of PEFT's field names from
 * the schema, and the FTS25x diagnostics against the tiny BERT checkpoint (test/fixtures/hf, made
 * by `.venv/bin/python scripts/make-hf-fixtures.py`; the adapter by scripts/make-lora-fixtures.py).
 */
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CompletionItem, CompletionList } from 'vscode-languageserver-protocol/node';
import { pathToUri } from '../../server/uri';
import { LspTestClient, copyFixtures } from './lsp-client';

const HF_FIXTURES = resolve(__dirname, '..', 'fixtures', 'hf');

describe('language server on peft (LoRA) sections', () => {
  let root: string;
  let client: LspTestClient;
  let version = 0;

  before(async () => {
    root = copyFixtures();
    cpSync(join(HF_FIXTURES, 'bert'), join(root, 'bert'), { recursive: true });
    cpSync(join(HF_FIXTURES, 'bert-lora', 'init'), join(root, 'adapter'), { recursive: true });
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 } });
  });

  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function diagnose(lines: string[]) {
    const uri = pathToUri(join(root, 'lora.trainer.yaml'));
    const text = lines.join('\n') + '\n';
    version = version === 0 ? await client.open(uri, 'yaml', text) : await client.change(uri, text);
    const { diagnostics } = await client.diagnosticsForVersion(uri, version);
    return { uri, diagnostics, codes: diagnostics.map((d) => String(d.code)) };
  }

  const config = (from: string, peft: string[]) => ['model:', `  from_pretrained: ${from}`, 'data:', '  train_file: data/train.jsonl', 'peft:', ...peft.map((l) => `  ${l}`)];

  it('completes PEFT\'s LoraConfig field names under peft:', async () => {
    const { uri } = await diagnose(config('bert', ['r: 4', '']));
    const result = (await client.completion(uri, { line: 6, character: 2 })) as CompletionList | CompletionItem[] | null;
    const labels = (Array.isArray(result) ? result : (result?.items ?? [])).map((item) => item.label);
    for (const field of ['lora_alpha', 'lora_dropout', 'target_modules', 'bias', 'modules_to_save', 'use_rslora', 'init_lora_weights']) assert.ok(labels.includes(field), `${field} in ${labels.join(', ')}`);
  });

  it('PEFT\'s default targets and a matching list, regex or all-linear raise nothing', async () => {
    for (const peft of [['r: 4'], ['target_modules: [query, key]'], ['target_modules: ".*\\\\.attention\\\\.self\\\\.(query|value)"'], ['target_modules: all-linear']]) {
      const { codes } = await diagnose(config('bert', peft));
      assert.deepEqual(codes.filter((c) => c.startsWith('FTS25')), [], peft.join());
    }
  });

  it('FTS250: target_modules that match no linear layer list the checkpoint\'s modules', async () => {
    const { diagnostics } = await diagnose(config('bert', ['target_modules: [q_proj, v_proj]']));
    const problem = diagnostics.find((d) => d.code === 'FTS250');
    assert.match(problem?.message ?? '', /\["q_proj","v_proj"\] match no linear module of bert; its linear modules are: bert\.encoder\.layer\.0\.attention\.self\.query, .*, classifier$/);
    assert.equal(problem?.range.start.line, 5);
    assert.equal(problem?.severity, 1);
  });

  it('FTS252: a target_modules regex that does not compile', async () => {
    const { diagnostics } = await diagnose(config('bert', ['target_modules: "(query"']));
    assert.match(diagnostics.find((d) => d.code === 'FTS252')?.message ?? '', /not a valid regular expression/);
  });

  it('FTS251: peft without a checkpoint, and peft on an adapter folder', async () => {
    const none = await diagnose(['model:', '  architecture: text-classifier', 'data:', '  train_file: data/train.jsonl', 'peft:', '  r: 4']);
    assert.match(none.diagnostics.find((d) => d.code === 'FTS251')?.message ?? '', /need a Hugging Face checkpoint/);
    const adapter = await diagnose(config('adapter', ['r: 4']));
    const problem = adapter.diagnostics.find((d) => d.code === 'FTS251');
    assert.match(problem?.message ?? '', /adapter is a PEFT adapter/);
    assert.equal(problem?.range.start.line, 4);
  });
});
