import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRunsExport } from '../../../client/run-export';
import { fixtureRun, writeRunDir } from '../trainer/reporting/helpers';

/** A real 1x1 PNG (the smallest valid one: signature, IHDR, IDAT, IEND). */
const PNG_1X1 = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

test('the dashboard export writes the CLI\'s CSV table of the selected runs and each chart as PNG', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'fts-dash-export-'));
  const a = writeRunDir(fixtureRun(), parent, 'a');
  const b = writeRunDir(fixtureRun({ lr: 5e-4, offset: 60_000 }), parent, 'b');
  const out = join(parent, 'export');
  const files = await writeRunsExport(out, [a, b], [{ metric: 'loss', png: PNG_1X1 }, { metric: 'eval_accuracy', png: PNG_1X1 }]);
  assert.deepEqual(files.map((f) => f.slice(out.length + 1)), ['scalars.csv', 'loss.png', 'eval_accuracy.png']);
  const csv = readFileSync(join(out, 'scalars.csv'), 'utf8').split('\r\n');
  assert.equal(csv[0], 'run,step,epoch,wall_time,loss,learning_rate,grad_norm,samples_per_second,steps_per_second,eval_loss,eval_accuracy');
  assert.deepEqual(csv.slice(1, -1).map((row) => row.split(',')[0]), ['a', 'a', 'a', 'b', 'b', 'b']);
  assert.deepEqual(readFileSync(join(out, 'loss.png')), Buffer.from(PNG_1X1.split(',')[1] ?? '', 'base64'));
});

test('a chart image that is not a PNG is refused before anything is written', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'fts-dash-export-'));
  const a = writeRunDir(fixtureRun(), parent, 'a');
  const out = join(parent, 'export');
  await assert.rejects(writeRunsExport(out, [a], [{ metric: 'loss', png: 'data:image/png;base64,PGh0bWw+' }]), /the loss chart image is not a PNG/);
  assert.throws(() => readdirSync(out), /ENOENT/);
});
