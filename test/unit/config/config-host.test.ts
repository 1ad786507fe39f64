import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countRowsInText, createNodeConfigHost, loadConfigFile } from '../../../src/cli/config-host';
import { createNodeFileAccess } from '../../../src/cli/file-access';
import { createConfigHost } from '../../../server/context';
import { overlayOpenDocuments } from '../../../server/files';

test('row counting: JSONL non-empty lines, CSV rows after the header with quoted newlines', () => {
  assert.equal(countRowsInText('{"a":1}\n\n{"a":2}\r\n  \n{"a":3}', 'x.jsonl'), 3);
  assert.equal(countRowsInText('', 'x.jsonl'), 0);
  assert.equal(countRowsInText('text,label\n"hello, world",1\n"multi\nline",0\n\n', 'x.CSV'), 2);
  assert.equal(countRowsInText('text,label\n', 'x.csv'), 0);
  assert.equal(countRowsInText('text,label\r\na,1\r\nb,0', 'x.csv'), 2);
});

test('the Node host resolves paths from the config folder and caches row counts by mtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-host-'));
  try {
    mkdirSync(join(dir, 'data'));
    const file = join(dir, 'data', 'train.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n');
    const host = createNodeConfigHost();
    const resolved = host.resolvePath(join(dir, 'x.trainer.yaml'), 'data/train.jsonl');
    assert.equal(resolved, file);
    assert.equal(host.resolvePath(join(dir, 'x.trainer.yaml'), '/abs/path'), '/abs/path');
    assert.equal(host.fileExists(resolved), true);
    assert.equal(host.fileExists(join(dir, 'data')), true);
    assert.equal(host.countDataRows(file), 2);
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":3}\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(host.countDataRows(file), 3);
    assert.equal(host.countDataRows(join(dir, 'data')), undefined);
    assert.equal(host.countDataRows(join(dir, 'missing.jsonl')), undefined);
    assert.equal(host.readTextHead(file, 7), '{"a":1}');
    assert.equal(host.readTextHead(join(dir, 'missing'), 7), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadConfigFile: a valid fixture resolves; a missing file is a problem', async () => {
  const valid = await loadConfigFile('test/fixtures/config/valid.trainer.yaml');
  assert.deepEqual(valid.problems, []);
  assert.equal(valid.config?.training_args.output_dir, 'runs/valid');
  const missing = await loadConfigFile('test/fixtures/config/nope.yaml');
  assert.equal(missing.config, undefined);
  assert.equal(missing.problems[0].code, 'FTS005');
});

test('the language server validates through the same host as the CLI: an unsaved buffer is counted, and recounted as it changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-host-'));
  try {
    const file = join(dir, 'train.jsonl');
    writeFileSync(file, '{"a":1}\n');
    const buffers = new Map<string, string>();
    const files = overlayOpenDocuments(createNodeFileAccess(), { textOf: (path) => buffers.get(path) });
    const serverHost = createConfigHost(files);
    const cliHost = createNodeConfigHost();
    for (const host of [serverHost, cliHost]) {
      assert.equal(host.countDataRows(file), 1);
      assert.equal(host.fileKind?.(dir), 'directory');
      assert.equal(host.fileKind?.('/dev/null'), 'other');
      assert.equal(host.resolvePath(join(dir, 'x.trainer.yaml'), 'train.jsonl'), file);
    }
    // An open, unsaved data file has no mtime of its own: each pass must count its current text.
    const unsaved = join(dir, 'unsaved.jsonl');
    buffers.set(unsaved, '{"a":1}\n{"a":2}\n');
    assert.equal(serverHost.countDataRows(unsaved), 2);
    buffers.set(unsaved, '{"a":1}\n{"a":2}\n{"a":3}\n');
    assert.equal(serverHost.countDataRows(unsaved), 3);
    assert.equal(cliHost.countDataRows(unsaved), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
