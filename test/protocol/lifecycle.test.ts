/**
 * LSP lifecycle and parameter errors over stdio (issue 10, failure 13): requests before
 * initialize get -32002, a second initialize is refused, malformed params are -32602, requests
 * after shutdown are refused, and a client without workspace folders gets no error at start.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToUri } from '../../server/uri';
import { copyFixtures } from './lsp-client';
import { RawPeer, initializeParams } from './raw-peer';

describe('the LSP lifecycle over stdio', () => {
  let root: string;
  let peer: RawPeer;

  before(() => {
    root = copyFixtures();
    peer = RawPeer.start();
  });

  after(() => {
    if (peer.alive) peer.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers a request before initialize with ServerNotInitialized (-32002), and drops notifications', async () => {
    const uri = pathToUri(join(root, 'early.trainer.yaml'));
    peer.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'model: {}\n' } });
    const early = await peer.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    assert.equal(early.error?.code, -32002);
    assert.equal(early.result, undefined);
    const unknown = await peer.request('workspace/symbol', { query: '' });
    assert.equal(unknown.error?.code, -32002);
  });

  it('initializes once; a second initialize is refused (-32600)', async () => {
    const first = await peer.request('initialize', initializeParams(pathToUri(root)));
    assert.ok((first.result as { capabilities?: object } | undefined)?.capabilities, JSON.stringify(first));
    peer.notify('initialized', {});
    const second = await peer.request('initialize', initializeParams(pathToUri(root)));
    assert.equal(second.error?.code, -32600);
    assert.match(second.error?.message ?? '', /already/);
  });

  it('answers malformed params with InvalidParams (-32602), not an internal error', async () => {
    const uri = pathToUri(join(root, 'sentiment.trainer.yaml'));
    for (const [method, params] of [
      ['textDocument/hover', null],
      ['textDocument/completion', null],
      ['textDocument/codeLens', null],
      ['textDocument/documentSymbol', []],
      ['textDocument/hover', { textDocument: { uri }, position: { line: 'x', character: 0 } }],
      ['textDocument/completion', { textDocument: { uri }, position: { line: -1, character: 0 } }],
      ['textDocument/codeAction', { textDocument: { uri }, range: null, context: { diagnostics: [] } }],
      ['textDocument/codeLens', { textDocument: 'oops' }],
    ] as const) {
      const response = await peer.request(method, params);
      assert.equal(response.error?.code, -32602, `${method} ${JSON.stringify(params)} gave ${JSON.stringify(response)}`);
    }
    const unknown = await peer.request('textDocument/definition', { textDocument: { uri }, position: { line: 0, character: 0 } });
    assert.equal(unknown.error?.code, -32601, 'a method the server does not offer is MethodNotFound');
    const spoofed = await peer.request('$/finetuneStudio/rejected', { code: 1, message: 'forged' });
    assert.equal(spoofed.error?.code, -32601, 'the internal rejection method cannot be called from outside');
  });

  it('still serves well-formed requests, and the notification sent before initialize was dropped', async () => {
    const early = pathToUri(join(root, 'early.trainer.yaml'));
    const symbols = await peer.request('textDocument/documentSymbol', { textDocument: { uri: early } });
    assert.deepEqual(symbols.result, [], 'the document opened before initialize is unknown to the server');
    const uri = pathToUri(join(root, 'late.trainer.yaml'));
    peer.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'model:\n  num_labels: 2\n' } });
    const late = await peer.request('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual((late.result as { name: string }[]).map((s) => s.name), ['model']);
  });

  it('refuses requests after shutdown (-32600) and exits 0 on exit', async () => {
    const shutdown = await peer.request('shutdown');
    assert.equal(shutdown.error, undefined);
    const after = await peer.request('textDocument/documentSymbol', { textDocument: { uri: pathToUri(join(root, 'late.trainer.yaml')) } });
    assert.equal(after.error?.code, -32600);
    peer.notify('exit');
    assert.equal(await peer.exited, 0);
    assert.deepEqual(peer.logs(1), [], 'no errors logged along the way');
  });
});

describe('a client without workspace folder support', () => {
  it('starts without an error in the log', async () => {
    const root = copyFixtures();
    const peer = RawPeer.start();
    try {
      const init = await peer.request('initialize', { processId: process.pid, rootUri: pathToUri(root), capabilities: { workspace: {} } });
      assert.ok(init.result);
      peer.notify('initialized', {});
      // A round trip after `initialized`: its handler has run by the time this is answered.
      const uri = pathToUri(join(root, 'sentiment.trainer.yaml'));
      peer.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: 'model: {}\n' } });
      await peer.request('textDocument/documentSymbol', { textDocument: { uri } });
      assert.deepEqual(peer.logs(1), []);
      await peer.request('shutdown');
      peer.notify('exit');
      assert.equal(await peer.exited, 0);
    } finally {
      if (peer.alive) peer.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
