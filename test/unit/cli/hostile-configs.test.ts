/**
 * Configs that `validate` used to pass and `train` then failed on with a raw system error (issue 10,
 * failure 15). Each is now a diagnostic at validate time, at the key's position, or a located message
 * from `train`. One `validate` process checks every config (it takes several); `train` runs per case.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, writeConfig } from '../trainer/run/fixtures';
import { startCli } from './cli-process';

interface Case {
  name: string;
  /** Lines replacing the fixture config's, as `key: value` under their section. */
  trainingArgs?: Record<string, string | number | boolean>;
  trainFile?: string;
  extra?: string;
  /** What the problem must say, its code, and the text its position must point at. */
  message: RegExp;
  code: string;
  pointsAt: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'fts-hostile-'));
const aFile = join(scratch, 'a-file');
writeFileSync(aFile, 'not a folder\n');
const txtData = join(scratch, 'train.txt');
writeFileSync(txtData, 'good 1\n');

const CASES: Case[] = [
  { name: 'train_file: . (a folder)', trainFile: '.', message: /training data file \. is a folder/, code: 'FTS216', pointsAt: '"."' },
  { name: 'output_dir naming a file', trainingArgs: { output_dir: aFile }, message: /`output_dir` .*a-file names an existing file .*not a folder/, code: 'FTS218', pointsAt: JSON.stringify(aFile) },
  { name: 'num_labels: 1000000000', extra: 'model_override', message: /`model\.num_labels` must be between 1 and 100000, but is 1000000000/, code: 'FTS102', pointsAt: '1000000000' },
  { name: '/dev/zero as data', trainFile: '/dev/zero', message: /\/dev\/zero is not a regular file/, code: 'FTS216', pointsAt: '"/dev/zero"' },
  { name: 'a .txt data file', trainFile: txtData, message: /"\.txt" is not a data format; `data\.train_file` must name a \.jsonl, \.json, \.ndjson file .* or a \.csv file/, code: 'FTS217', pointsAt: JSON.stringify(txtData) },
  { name: 'output_dir: ""', trainingArgs: { output_dir: '' }, message: /`training_args\.output_dir` must not be empty/, code: 'FTS102', pointsAt: '""' },
];

function configFor(c: Case): string {
  const { path } = writeConfig({ trainFile: c.trainFile, trainingArgs: c.trainingArgs });
  if (c.extra === 'model_override') writeFileSync(path, readFileSync(path, 'utf8').replace('num_labels: 2', 'num_labels: 1000000000'));
  return path;
}

const paths = new Map(CASES.map((c) => [c.name, configFor(c)]));
let validateOutput = '';
let validateCode: number | null = null;

before(async () => {
  const cli = startCli(['validate', ...paths.values()]);
  validateCode = await cli.exited;
  validateOutput = cli.stdout();
});

for (const c of CASES) {
  test(`validate reports ${c.name} at its key, before train can fail on it`, () => {
    assert.equal(validateCode, 1);
    const path = paths.get(c.name) as string;
    const lines = validateOutput.split('\n').filter((l) => l.startsWith(`${path}:`));
    const line = lines.find((l) => l.endsWith(`[${c.code}]`) && c.message.test(l));
    assert.ok(line, `no ${c.code} matching ${c.message} for ${path} in:\n${lines.join('\n')}`);
    const [, row, col] = /^.+:(\d+):(\d+): error: /.exec(line) ?? [];
    const text = readFileSync(path, 'utf8').split('\n')[Number(row) - 1];
    assert.ok(text.slice(Number(col) - 1).startsWith(c.pointsAt), `${line} does not point at ${c.pointsAt}: ${text}`);
  });
}

/** Runs `train --json` and returns the runEnd error with the terminal's text. */
async function trainFails(path: string, ...args: string[]) {
  const cli = startCli(['train', path, '--json', ...args]);
  assert.equal(await cli.exited, 1, cli.stderr());
  const end = cli.events.at(-1);
  assert.ok(end?.type === 'runEnd' && end.status === 'failed', JSON.stringify(end));
  return end.error;
}

test('train: an output_dir that cannot be created (a file as its parent) is located at the key, not a raw ENOTDIR', async () => {
  const path = writeConfig({ trainingArgs: { output_dir: join(aFile, 'run') } }).path;
  const error = await trainFails(path);
  assert.match(error?.message ?? '', /output_dir .*a-file\/run cannot be created: .*a-file is a file, not a folder/);
  assert.doesNotMatch(error?.message ?? '', /ENOTDIR/);
  assert.equal(error?.location?.file, path);
  const text = readFileSync(path, 'utf8').split('\n')[(error?.location?.line ?? 0) - 1];
  assert.ok(text.slice((error?.location?.column ?? 0) - 1).startsWith(JSON.stringify(join(aFile, 'run'))), text);
});

// We run as root here, so a chmod-ed folder stays writable; a folder where the kernel refuses new
// entries stands in for EACCES: /proc refuses every mkdir (and Node's recursive mkdir spins for ever there).
test('train: an unwritable output_dir (under /proc) fails at once with a located message', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const path = writeConfig({ trainingArgs: { output_dir: '/proc/fts-no-such/run' } }).path;
  const error = await trainFails(path);
  assert.match(error?.message ?? '', /output_dir \/proc\/fts-no-such\/run cannot be created: .*Choose a folder you can write to/);
  assert.equal(error?.location?.file, path);
});

test('train: a read-only output_dir (chmod 555) is refused when not root', { skip: process.getuid?.() === 0 && 'root writes anywhere; the /proc case covers it' }, async () => {
  const dir = join(scratch, 'read-only');
  mkdirSync(dir, { mode: 0o555 });
  const error = await trainFails(writeConfig({ trainingArgs: { output_dir: dir } }).path);
  assert.match(error?.message ?? '', /is not writable: permission denied/);
});

test('train: a data error is printed with its location once', async () => {
  const bad = join(scratch, 'bad.jsonl');
  const rows = readFileSync(join(FIXTURES, 'train.jsonl'), 'utf8').trim().split('\n');
  rows.splice(2, 0, '{"text": "fine", "label": "sideways"}');
  writeFileSync(bad, rows.join('\n') + '\n');
  const path = writeConfig({ trainFile: bad }).path;
  const cli = startCli(['train', path]);
  assert.equal(await cli.exited, 1);
  const errorLines = cli.stderr().split('\n').filter((l) => /error:/.test(l));
  assert.equal(errorLines.length, 1, cli.stderr());
  assert.match(errorLines[0], /bad\.jsonl:3:\d+: error: column "label" has 3 classes/);
  assert.equal(errorLines[0].split('bad.jsonl:3:').length - 1, 1, `location printed once: ${errorLines[0]}`);
});
