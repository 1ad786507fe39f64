import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointStep, findCheckpoints } from '../../../src/trainer/checkpoint-folders';
import { listCheckpoints } from '../../../src/trainer/checkpoints';
import { latestCheckpoint } from '../../../server/services/config/code-lens';
import { createNodeFileAccess } from '../../../src/cli/file-access';

test('one rule finds checkpoints for the Trainer and the code lens: complete checkpoint-<step> folders, by step', () => {
  const out = mkdtempSync(join(tmpdir(), 'fts-ckpt-'));
  const folder = (name: string, complete: boolean) => {
    mkdirSync(join(out, name));
    writeFileSync(join(out, name, complete ? 'trainer_state.json' : 'model.safetensors'), '{}');
  };
  folder('checkpoint-2', true);
  folder('checkpoint-10', true);
  folder('checkpoint-30', false); // killed mid-save
  folder('checkpoint-40.tmp-123', true); // a save's temporary folder
  folder('checkpoint-x', true);
  folder('best', true);
  writeFileSync(join(out, 'checkpoint-50'), 'a file, not a folder');

  const expected = [join(out, 'checkpoint-2'), join(out, 'checkpoint-10')];
  assert.deepEqual(listCheckpoints(out), expected);
  assert.deepEqual(latestCheckpoint(createNodeFileAccess(), out), { path: join(out, 'checkpoint-10'), step: 10 });
  assert.deepEqual(listCheckpoints(join(out, 'missing')), []);

  // The same rule over any listing (the language server's files with open buffers over the disk).
  const listing = {
    list: (dir: string) => (dir === '/o' ? [{ name: 'checkpoint-9', isDirectory: true }, { name: 'checkpoint-7', isDirectory: true }] : undefined),
    exists: (path: string) => path === '/o/checkpoint-7/trainer_state.json',
    join: (dir: string, name: string) => `${dir}/${name}`,
  };
  assert.deepEqual(findCheckpoints('/o', listing), ['/o/checkpoint-7']);
  assert.equal(checkpointStep('C:\\runs\\checkpoint-12'), 12);
  assert.equal(checkpointStep('/runs/checkpoint-12/'), 12);
  assert.equal(checkpointStep('/runs/checkpoint-1e3'), undefined);
});
