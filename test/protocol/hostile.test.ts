/**
 * The real server over stdio against hostile workspaces (issue 10): an alias bomb and a
 * 200,000-item config sitting in the workspace while other files are edited. Every request must
 * be answered, with located diagnostics, and the server must stay up.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToUri } from '../../server/uri';
import { aliasLadder, jsonLongList } from '../support/hostile-configs';
import { LspTestClient, copyFixtures } from './lsp-client';

/** Resolves with the promise's value, or rejects when it takes longer than `ms`. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('hostile configs in the workspace', () => {
  let root: string;
  let client: LspTestClient;

  before(async () => {
    root = copyFixtures();
    writeFileSync(join(root, 'override-ws/bomb.trainer.yaml'), aliasLadder());
    writeFileSync(join(root, 'override-ws/long.trainer.json'), jsonLongList(200_000));
    execFileSync('mkfifo', [join(root, 'override-ws/pipe.jsonl')]);
    // A FIFO named like a config: the workspace scan must not block opening it.
    execFileSync('mkfifo', [join(root, 'override-ws/fifo.trainer.yaml')]);
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 10 } });
  });

  after(async () => {
    const code = await client.stop();
    assert.equal(code, 0, 'the server exits cleanly after shutdown/exit');
    rmSync(root, { recursive: true, force: true });
  });

  it('answers the code lens of a trainer module while an alias bomb sits in the workspace (failure 1)', async () => {
    const path = join(root, 'override-ws/accum_trainer.ts');
    const uri = pathToUri(path);
    await client.open(uri, 'typescript', readFileSync(path, 'utf8'));
    const lenses = await within(30_000, 'codeLens', client.codeLenses(uri));
    // Finding the configs that name this module parses every config of the workspace, the bomb too.
    assert.deepEqual(lenses?.[0]?.command?.arguments, [pathToUri(join(root, 'override-ws/accum.trainer.yaml'))]);
    await within(30_000, 'diagnostics of the module', client.diagnosticsForVersion(uri, 1));
  });

  it('reports the alias bomb at the alias that crosses the cap when it is opened (failure 1)', async () => {
    const uri = pathToUri(join(root, 'override-ws/bomb.trainer.yaml'));
    await client.open(uri, 'yaml', readFileSync(join(root, 'override-ws/bomb.trainer.yaml'), 'utf8'));
    const { diagnostics } = await within(30_000, 'diagnostics of the bomb', client.diagnosticsForVersion(uri, 1));
    const bomb = diagnostics.filter((d) => d.code === 'FTS006');
    assert.equal(bomb.length, 1);
    assert.deepEqual(bomb[0].range, { start: { line: 4, character: 9 }, end: { line: 4, character: 12 } });
    assert.ok((await within(30_000, 'symbols', client.symbols(uri)))?.length);
    const completion = await within(30_000, 'completion', client.completion(uri, { line: 10, character: 0 }));
    assert.ok(completion && 'items' in completion && completion.items.some((i) => i.label === 'data'), 'top-level keys are offered after the bomb');
  });

  it('lists 1,000 problems of a 200,000-item config and a closing FTS007, and still answers hover (failure 5)', async () => {
    const uri = pathToUri(join(root, 'override-ws/long.trainer.json'));
    await client.open(uri, 'json', readFileSync(join(root, 'override-ws/long.trainer.json'), 'utf8'));
    const { diagnostics } = await within(60_000, 'diagnostics of the long list', client.diagnosticsForVersion(uri, 1));
    assert.equal(diagnostics.length, 1001);
    assert.equal(diagnostics[1000].code, 'FTS007');
    const hover = await within(30_000, 'hover', client.hover(uri, { line: 0, character: 3 }));
    assert.ok(hover, 'hover on `data` answers (a stack overflow made every feature null)');
    assert.ok((await within(30_000, 'symbols', client.symbols(uri)))?.length);
  });

  it('puts FTS216 on /dev/stdin and a FIFO named as data files, and keeps answering (failure 2)', async () => {
    const uri = pathToUri(join(root, 'override-ws/special.trainer.yaml'));
    const text = 'data:\n  train_file: /dev/stdin\n  eval_file: pipe.jsonl\ntraining_args:\n  eval_strategy: epoch\n';
    await client.open(uri, 'yaml', text);
    const { diagnostics } = await within(30_000, 'diagnostics of the special files', client.diagnosticsForVersion(uri, 1));
    const special = diagnostics.filter((d) => d.code === 'FTS216');
    assert.deepEqual(
      special.map((d) => d.range.start),
      [
        { line: 1, character: 14 },
        { line: 2, character: 13 },
      ],
    );
    assert.match(special[0].message, /training data file \/dev\/stdin is not a regular file/);
    // The server's stdin is the protocol itself: had it been read, nothing below would be answered.
    const completion = await within(30_000, 'completion', client.completion(uri, { line: 5, character: 0 }));
    assert.ok(completion && 'items' in completion && completion.items.length > 0);
    const other = pathToUri(join(root, 'sentiment.trainer.yaml'));
    await client.open(other, 'yaml', readFileSync(join(root, 'sentiment.trainer.yaml'), 'utf8'));
    assert.ok(await within(30_000, 'hover elsewhere', client.hover(other, { line: 3, character: 4 })));
    const script = pathToUri(join(root, 'override-ws/accum_trainer.ts'));
    assert.ok(await within(30_000, 'code lens (scans the workspace, FIFO config included)', client.codeLenses(script)));
  });
});
