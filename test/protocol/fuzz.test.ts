/**
 * Fuzzing the real server over stdio (issue 10 acceptance): 5,000+ seeded messages (random
 * edits, garbage documents and params, invalid positions, alias ladders, special-file paths).
 * Every request must be answered (a result or a protocol error, never an internal error) and the
 * server must never exit. FTS_FUZZ_SEED reproduces a failing run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mulberry32 } from '../../src/trainer/random';
import { pathToUri } from '../../server/uri';
import { aliasLadder } from '../support/hostile-configs';
import { copyFixtures } from './lsp-client';
import { RawPeer, initializeParams, type RpcResponse } from './raw-peer';

const SEED = Number(process.env.FTS_FUZZ_SEED ?? 20261130);
const MESSAGES = 5000;

describe('fuzzing the server over stdio', () => {
  let root: string;
  let peer: RawPeer;

  before(async () => {
    root = copyFixtures();
    execFileSync('mkfifo', [join(root, 'pipe.jsonl')]);
    peer = RawPeer.start();
    const init = await peer.request('initialize', initializeParams(pathToUri(root), { workspace: { workspaceFolders: true } }));
    assert.ok(init.result);
    peer.notify('initialized', {});
  });

  after(() => {
    if (peer.alive) peer.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it(`answers every request of ${MESSAGES.toLocaleString('en-US')} seeded messages and stays up (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const seeds = [
      readFileSync(join(root, 'sentiment.trainer.yaml'), 'utf8'),
      readFileSync(join(root, 'broken.trainer.yaml'), 'utf8'),
      aliasLadder(),
      'data:\n  train_file: /dev/stdin\n  eval_file: pipe.jsonl\ntrainer: /dev/zero\n',
      'data:\n  train_file: .\nmetrics: [' + Array.from({ length: 300 }, (_, i) => `m${i}`).join(', ') + ']\n',
    ];
    const docs = Array.from({ length: 4 }, (_, i) => ({ uri: pathToUri(join(root, `fuzz${i}.trainer.yaml`)), version: 1, text: pick(seeds) }));
    for (const doc of docs) peer.notify('textDocument/didOpen', { textDocument: { uri: doc.uri, languageId: 'yaml', version: 1, text: doc.text } });
    const mutate = (text: string): string => {
      const at = Math.floor(random() * (text.length + 1));
      const choice = random();
      if (choice < 0.3) return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8));
      if (choice < 0.6) return text.slice(0, at) + pick([':', '\n', ' ', '&a ', '*a', '[', '{', '- ', '"', '#', '\0', '😀']) + text.slice(at);
      if (choice < 0.7) return pick(seeds);
      if (choice < 0.8) return Array.from({ length: Math.floor(random() * 200) }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join('');
      return text.length > 4000 ? pick(seeds) : text + pick(seeds);
    };
    const position = () => (random() < 0.15 ? { line: pick([-1, 1e9, 0.5]), character: pick([-3, 0, 2 ** 40]) } : { line: Math.floor(random() * 40), character: Math.floor(random() * 60) });
    const answers: Promise<{ method: string; response: RpcResponse }>[] = [];
    const request = (method: string, params: unknown) => answers.push(peer.request(method, params).then((response) => ({ method, response })));
    let sent = docs.length;
    while (sent < MESSAGES) {
      const doc = pick(docs);
      const textDocument = { uri: doc.uri };
      const kind = random();
      if (kind < 0.35) {
        doc.text = mutate(doc.text);
        doc.version++;
        peer.notify('textDocument/didChange', { textDocument: { uri: doc.uri, version: doc.version }, contentChanges: [{ text: doc.text }] });
      } else if (kind < 0.5) request('textDocument/hover', { textDocument, position: position() });
      else if (kind < 0.65) request('textDocument/completion', { textDocument, position: position() });
      else if (kind < 0.72) request('textDocument/documentSymbol', { textDocument });
      else if (kind < 0.79) request('textDocument/codeLens', { textDocument });
      else if (kind < 0.86) request('textDocument/codeAction', { textDocument, range: { start: position(), end: position() }, context: { diagnostics: [] } });
      else if (kind < 0.93) request(pick(['textDocument/hover', 'textDocument/completion', 'textDocument/codeLens']), pick([null, [], 7, 'x', {}, { textDocument: null }]));
      else peer.notify(pick(['textDocument/didChange', 'textDocument/didOpen', '$/unknown']), pick([null, {}, { textDocument: 3 }]));
      sent++;
      // Let the server breathe every so often, as an editor would (and keep the pipe from filling).
      if (sent % 200 === 0) await Promise.all(answers.slice(-200));
    }
    const results = await Promise.all(answers);
    assert.ok(peer.alive, `the server exited (seed ${SEED})`);
    for (const { method, response } of results) {
      assert.ok('result' in response || response.error, `${method}: no answer (seed ${SEED})`);
      assert.notEqual(response.error?.code, -32603, `${method}: internal error ${response.error?.message} (seed ${SEED})`);
      assert.notEqual(response.error?.code, 0, `${method}: ${response.error?.message} (seed ${SEED})`);
    }
    const finalAnswer = await peer.request('textDocument/documentSymbol', { textDocument: { uri: docs[0].uri } });
    assert.ok('result' in finalAnswer, 'still answering after the storm');
    assert.deepEqual(peer.logs(1), [], 'no errors logged');
  });
});
