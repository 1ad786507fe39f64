import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainerEvent } from '../../../src/protocol/events';
import { parseTrainerEventLine } from '../../../src/protocol/guards';
import { JsonlEventLog } from '../../../src/trainer/event-sink';
import { readRunEvents } from '../../../src/trainer/run-events';

const message = (text: string): TrainerEvent => ({ type: 'message', time: 1, level: 'info', text });

test('an append after a torn last line (a full disk, a kill) starts on a new line, and both runs read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-sink-'));
  const path = join(dir, 'metrics.jsonl');
  const first = JSON.stringify(message('first run'));
  const torn = JSON.stringify({ type: 'runEnd', time: 2, status: 'failed', step: 3, epoch: 0, trainRuntime: 1 }).slice(0, 30);
  writeFileSync(path, `${first}\n${torn}`);
  const log = new JsonlEventLog(path);
  log.emit(message('resumed run'));
  log.close();
  assert.deepEqual(readFileSync(path, 'utf8').split('\n'), [first, torn, JSON.stringify(message('resumed run')), '']);
  assert.deepEqual(await readRunEvents(dir), [message('first run'), message('resumed run')]);
});

test('the reader recovers an event glued onto a torn line by an older writer', () => {
  const glued = `{"type":"runEnd","time":2,"sta${JSON.stringify(message('next run'))}`;
  assert.deepEqual(parseTrainerEventLine(glued), message('next run'));
  assert.equal(parseTrainerEventLine('{"type":"runEnd","time":2,"sta'), undefined);
  assert.equal(parseTrainerEventLine('not json {"type":"message"}'), undefined);
});

test('a write the disk refuses throws at once and leaves no partial line', { skip: !existsSync('/dev/full') && 'needs /dev/full' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-sink-'));
  const path = join(dir, 'metrics.jsonl');
  symlinkSync('/dev/full', path);
  const log = new JsonlEventLog(path);
  assert.throws(() => log.emit(message('lost')), /ENOSPC/);
  log.close();
});
