/**
 * `report_to: tensorboard` end to end, read by the real TensorBoard: EventAccumulator (through
 * test/python/tensorboard_events.py) must find every value metrics.jsonl holds, with its tag, step
 * and time; a run killed with SIGKILL leaves a readable file; and the `tensorboard` server itself
 * serves the scalars, texts and HPARAMS comparison over HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../../src/index';
import type { TrainerEvent } from '../../../../src/protocol/events';
import { isTrainerEvent } from '../../../../src/protocol/guards';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { runTraining } from '../../../../src/trainer/run';
import { referencePython, runPython, skipWithoutPython } from '../../../support/reference-python';
import { writeConfig } from '../run/fixtures';
import { expectedScalars } from './helpers';

const SCRIPT = resolve(__dirname, '../../../python/tensorboard_events.py');
const CLI = resolve(__dirname, '../../../../src/cli/main.ts');
const skip = skipWithoutPython();
const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };

interface Read {
  file_version: number;
  scalars: Record<string, [step: number, value: number, wall: number][]>;
  texts: Record<string, string[]>;
  hparams: { start?: Record<string, number | string | boolean>; start_time_secs?: number; end_status?: number };
}

const readTensorBoard = (dir: string): Read => JSON.parse(runPython(SCRIPT, ['read', dir])) as Read;
const readJsonl = (path: string): TrainerEvent[] => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TrainerEvent);

async function trainInProcess(trainingArgs: Record<string, string | number | boolean>) {
  const { path, outputDir } = writeConfig({ trainingArgs: { max_steps: 6, ...trainingArgs } });
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'completed', JSON.stringify(end.error));
  return { outputDir, events: sink.events };
}

/** Two short runs, the second with another learning rate and an explicit logging_dir beside the first's default one. */
let runs: Promise<{ first: Awaited<ReturnType<typeof trainInProcess>>; second: Awaited<ReturnType<typeof trainInProcess>>; runsDir: string }> | undefined;
function twoRuns() {
  runs ??= (async () => {
    const first = await trainInProcess({ report_to: 'all' });
    const runsDir = join(first.outputDir, 'runs');
    const second = await trainInProcess({ report_to: 'tensorboard', logging_dir: join(runsDir, 'second'), learning_rate: 5e-3 });
    return { first, second, runsDir };
  })();
  return runs;
}

test('report_to: all writes HF-tagged scalars that agree with metrics.jsonl value for value, the config as text, and hparams', { skip, timeout: 120_000 }, async () => {
  const { first, runsDir } = await twoRuns();
  const folders = readdirSync(runsDir).filter((name) => name !== 'second');
  assert.equal(folders.length, 1);
  const folder = folders[0] ?? '';
  assert.match(folder, new RegExp(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\d{2}_\\d{2}-\\d{2}-\\d{2}_${hostname().replace(/[.]/g, '\\.')}$`), 'HF default_logdir()');
  const logDir = join(runsDir, folder);
  const files = readdirSync(logDir);
  assert.equal(files.length, 1);
  assert.match(files[0] ?? '', new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.]/g, '\\.')}\\.${process.pid}\\.0$`));
  assert.ok(first.events.some((e) => e.type === 'message' && e.level === 'info' && e.text.includes(logDir)), 'the run says where the event files are');

  const read = readTensorBoard(logDir);
  assert.equal(read.file_version, 2);
  const onDisk = readJsonl(join(first.outputDir, 'metrics.jsonl'));
  const expected = expectedScalars(onDisk);
  assert.deepEqual(Object.keys(read.scalars).sort(), [...expected.keys()].sort());
  assert.ok(expected.has('train/loss') && expected.has('train/learning_rate') && expected.has('train/grad_norm') && expected.has('eval/accuracy') && expected.has('eval/loss'));
  let compared = 0;
  for (const [tag, points] of expected) {
    assert.deepEqual(read.scalars[tag], points, tag);
    compared += points.length;
  }
  assert.ok(compared >= 20, `compared ${compared} values`);

  const resolved = JSON.parse(readFileSync(join(first.outputDir, 'config.resolved.json'), 'utf8')) as { training_args: Record<string, unknown> };
  assert.deepEqual(JSON.parse(read.texts['args/text_summary']?.[0] ?? ''), resolved.training_args);
  assert.deepEqual(JSON.parse(read.texts['config/text_summary']?.[0] ?? ''), resolved);
  const start = read.hparams.start ?? {};
  assert.equal(start.learning_rate, 1e-2);
  assert.equal(start.optim, 'adamw_torch');
  assert.equal(start['model.architecture'], 'text-classifier');
  assert.equal(start.loss_name, 'CrossEntropy');
  assert.equal(start.metrics, '["accuracy"]');
  assert.equal(read.hparams.end_status, 1, 'STATUS_SUCCESS');
});

test('a run killed with SIGKILL mid-training leaves an event file TensorBoard reads; unsupported report_to names are warned about', { skip, timeout: 120_000 }, async () => {
  const { path, dir, outputDir } = writeConfig({
    trainingArgs: { num_train_epochs: 400, logging_steps: 1, save_strategy: 'no', eval_strategy: 'no', logging_dir: 'tb' },
  });
  // report_to as a list, with an integration this trainer does not offer.
  writeFileSync(path, readFileSync(path, 'utf8').replace('training_args:\n', 'training_args:\n  report_to: [tensorboard, wandb]\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', path, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: TrainerEvent[] = [];
  const exited = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed: unknown = JSON.parse(line);
    if (!isTrainerEvent(parsed)) return;
    events.push(parsed);
    if (events.filter((e) => e.type === 'log').length === 3) child.kill('SIGKILL');
  });
  assert.equal(await exited, 'SIGKILL');
  assert.ok(events.some((e) => e.type === 'message' && e.level === 'warning' && /`wandb` is not offered.*supported: tensorboard.*FTS215/.test(e.text)));

  const logDir = join(dir, 'tb');
  const read = readTensorBoard(logDir);
  assert.equal(read.file_version, 2);
  const logged = readJsonl(join(outputDir, 'metrics.jsonl')).filter((e) => e.type === 'log');
  const losses = read.scalars['train/loss'] ?? [];
  // Both files are written before an event reaches stdout; the kill can land between the two writes of a later one.
  assert.ok(losses.length >= 3 && losses.length >= logged.length - 1 && losses.length <= logged.length, `${losses.length} of ${logged.length}`);
  assert.deepEqual(losses, logged.slice(0, losses.length).map((e) => [e.step, Math.fround(e.loss), e.time / 1000]));
  assert.equal(read.hparams.end_status, undefined, 'no session end: the run was killed');
});

/** The `tensorboard` server on a free port; resolves with its address once it prints it. */
function startTensorBoard(logDir: string) {
  const python = referencePython() ?? 'python3';
  const child = spawn(python, ['-m', 'tensorboard.main', '--logdir', logDir, '--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const address = new Promise<string>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match?.[1]) done(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`tensorboard exited ${code} before serving:\n${output}`)));
  });
  const stop = () => new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.on('exit', () => done());
    child.kill('SIGTERM');
  });
  return { address, stop };
}

async function getJson<T>(url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  return (await response.json()) as T;
}

test('the tensorboard server serves our runs: scalar tags, a scalar series, texts and the HPARAMS comparison', { skip, timeout: 120_000 }, async () => {
  const { first, second, runsDir } = await twoRuns();
  const firstRun = readdirSync(runsDir).find((name) => name !== 'second') ?? '';
  const server = startTensorBoard(runsDir);
  try {
    const base = await server.address;
    // TensorBoard loads event files in the background after it starts serving: wait until both runs are in.
    let tags: Record<string, Record<string, unknown>> = {};
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      tags = await getJson(`${base}/data/plugin/scalars/tags`);
      if (tags[firstRun]?.['eval/accuracy'] && tags.second?.['eval/accuracy']) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    for (const [run, outputDir] of [[firstRun, first.outputDir], ['second', second.outputDir]] as const) {
      const expected = expectedScalars(readJsonl(join(outputDir, 'metrics.jsonl')));
      assert.deepEqual(Object.keys(tags[run] ?? {}).sort(), [...expected.keys()].sort(), run);
      const series = await getJson<[number, number, number][]>(`${base}/data/plugin/scalars/scalars?run=${encodeURIComponent(run)}&tag=${encodeURIComponent('train/loss')}`);
      assert.deepEqual(series, (expected.get('train/loss') ?? []).map(([step, value, wall]) => [wall, step, value]), `${run} train/loss`);
    }
    const texts = await getJson<Record<string, string[]>>(`${base}/data/plugin/text/tags`);
    assert.deepEqual(texts[firstRun]?.sort(), ['args/text_summary', 'config/text_summary']);

    const experiment = await getJson<{ hparamInfos: { name: string; differs: boolean; domainInterval?: { minValue: number; maxValue: number } }[]; metricInfos: { name: { tag: string } }[] }>(
      `${base}/data/plugin/hparams/experiment`,
      { experimentName: '' },
    );
    const lr = experiment.hparamInfos.find((h) => h.name === 'learning_rate');
    assert.deepEqual(lr?.domainInterval, { minValue: 5e-3, maxValue: 1e-2 });
    assert.equal(lr?.differs, true);
    assert.ok(experiment.metricInfos.some((m) => m.name.tag === 'eval/accuracy'), 'eval metrics are HPARAMS metrics');
    const groups = await getJson<{ sessionGroups: { name: string; hparams: Record<string, unknown> }[] }>(`${base}/data/plugin/hparams/session_groups`, {
      experimentName: '',
      allowedStatuses: ['STATUS_SUCCESS', 'STATUS_FAILURE', 'STATUS_RUNNING', 'STATUS_UNKNOWN'],
      colParams: [],
      startIndex: 0,
      sliceSize: 10,
    });
    assert.deepEqual(groups.sessionGroups.map((g) => g.hparams.learning_rate).sort(), [5e-3, 1e-2]);
  } finally {
    await server.stop();
  }
});
