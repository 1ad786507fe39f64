/**
 * `finetune-studio export`: the CSV/JSON table across runs, and TensorBoard event files rebuilt
 * from the metrics.jsonl of a run that had no report_to (read back by tensorboard's
 * EventAccumulator through test/python/tensorboard_events.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scalarTable, tableToCsv, tableToJson } from '../../../../src/protocol/scalar-table';
import { defaultExportLogDir, exportTensorBoard, loadRuns } from '../../../../src/trainer/reporting/export';
import { defaultLogdirName } from '../../../../src/trainer/reporting/logging-dir';
import { runPython, skipWithoutPython } from '../../../support/reference-python';
import { expectedScalars, fixtureRun, writeRunDir } from './helpers';

const CLI = resolve(__dirname, '../../../../src/cli/main.ts');
const SCRIPT = resolve(__dirname, '../../../python/tensorboard_events.py');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, 'export', ...args], { encoding: 'utf8' });

test('CSV export of two runs: one table, a row per logged entry, empty cells for values an entry did not log', () => {
  const parent = mkdtempSync(join(tmpdir(), 'fts-export-'));
  const a = writeRunDir(fixtureRun({ runName: 'base, lr "1e-3"' }), parent, 'a');
  const b = writeRunDir(fixtureRun({ lr: 5e-4, offset: 60_000 }), parent, 'b');
  const result = cli(a, b, '--format', 'csv');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      'run,step,epoch,wall_time,loss,learning_rate,grad_norm,samples_per_second,steps_per_second,eval_loss,eval_accuracy',
      '"base, lr ""1e-3""",2,0.5,1790000001,0.6931,0.001,1.25,32,2,,',
      '"base, lr ""1e-3""",4,1,1790000002,0.5,0,,30.5,1.9,,',
      '"base, lr ""1e-3""",4,1,1790000002.5,,,,,,0.45,0.8125',
      'b,2,0.5,1790000061,0.6931,0.0005,1.25,32,2,,',
      'b,4,1,1790000062,0.5,0,,30.5,1.9,,',
      'b,4,1,1790000062.5,,,,,,0.45,0.8125',
      '',
    ].join('\r\n'),
  );
});

test('JSON export: the same rows as objects, without the values an entry did not log; --out writes a file', async () => {
  const runs = await loadRuns([writeRunDir(fixtureRun())]);
  const rows = JSON.parse(tableToJson(scalarTable(runs))) as Record<string, unknown>[];
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[2], { run: 'run', step: 4, epoch: 1, wall_time: 1790000002.5, eval_loss: 0.45, eval_accuracy: 0.8125 });
  assert.equal(tableToCsv(scalarTable([])), 'run,step,epoch,wall_time\r\n', 'no runs: the header only');

  const dir = writeRunDir(fixtureRun());
  const out = join(dir, 'nested', 'scalars.json');
  const result = cli(dir, '--format=json', '--out', out);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, /wrote .*scalars\.json/);
});

test('two runs with the same name are told apart by their folders', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'fts-export-'));
  const runs = await loadRuns([writeRunDir(fixtureRun(), join(parent, 'x')), writeRunDir(fixtureRun(), join(parent, 'y'))], parent);
  assert.deepEqual(runs.map((r) => r.name), [join('x', 'run'), join('y', 'run')]);
});

test('export errors name the folder or the option and say what to do', () => {
  const empty = mkdtempSync(join(tmpdir(), 'fts-export-'));
  const missing = cli(empty, '--format', 'csv');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, new RegExp(`${empty}: no metrics\\.jsonl here; pass a run's output_dir`));
  const badFormat = cli(empty, '--format', 'xlsx');
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /unknown format 'xlsx'; use csv, json, tensorboard/);
  assert.match(cli(empty).stderr, /--format is required/);
});

test('an older run without report_to exports to TensorBoard event files that tensorboard reads value for value', { skip: skipWithoutPython() }, async () => {
  const events = fixtureRun({ runName: 'old' });
  const dir = writeRunDir(events);
  const [run] = await loadRuns([dir]);
  assert.ok(run);
  const logDir = defaultExportLogDir(run);
  assert.equal(logDir, join(dir, 'runs', defaultLogdirName(new Date(events[0]?.time ?? 0))));
  assert.ok(logDir.endsWith(`_${hostname()}`));

  const result = cli(dir, '--format', 'tensorboard');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`view with: tensorboard --logdir ${join(dir, 'runs')}`));
  assert.equal(readdirSync(logDir).length, 1);
  const read = JSON.parse(runPython(SCRIPT, ['read', logDir])) as { scalars: Record<string, unknown>; texts: Record<string, string[]>; hparams: { start: Record<string, unknown>; end_status: number } };
  assert.deepEqual(read.scalars, Object.fromEntries(expectedScalars(events)));
  assert.deepEqual(JSON.parse(read.texts['args/text_summary']?.[0] ?? ''), { learning_rate: 1e-3, run_name: 'old' });
  assert.equal(read.hparams.start['model.architecture'], 'mlp');
  assert.equal(read.hparams.end_status, 1);

  // A second export into the same folder would show every value twice: refused.
  assert.throws(() => exportTensorBoard(run, logDir), /already holds TensorBoard event files.*remove them or pass another --out/);
  const again = cli(dir, '--format', 'tensorboard');
  assert.equal(again.status, 1);
});
