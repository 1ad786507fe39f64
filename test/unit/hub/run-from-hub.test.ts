/**
 * `model.from_pretrained: org/name` at run start: downloaded from the (mock) Hub into the shared
 * cache, then, with HF_HUB_OFFLINE=1, read from the cache without a request; both fine-tune with
 * the same numbers as the same model given by folder. Offline with a revision the cache lacks,
 * the run fails before anything starts, at the config line (FTS220). And a Hugging Face BERT
 * checkpoint (test/fixtures/hf/bert, made by scripts/make-hf-fixtures.py with transformers) by Hub
 * id, offline, trains exactly as by folder, from transformers' eval_loss.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../src/index';
import { MemorySink } from '../../../src/trainer/event-sink';
import type { DownloadEvent, TrainerEvent } from '../../../src/protocol/events';
import { downloadModel } from '../../../src/hub/download';
import { runTraining } from '../../../src/trainer/run';
import { writeConfig } from '../trainer/run/fixtures';
import { startMockHub, type MockHub } from '../../support/mock-hub';
import { COMMIT_A } from '../../support/hub-fixtures';

const core = { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf };
const saved = { ...process.env };
let hub: MockHub;
let baseDir: string;

async function fineTune(fromPretrained: string, extraEnv: Record<string, string> = {}, watch?: (event: TrainerEvent) => void, stopSignal?: AbortSignal) {
  Object.assign(process.env, extraEnv);
  try {
    const { path, outputDir } = writeConfig({ trainingArgs: { max_steps: 4, eval_strategy: 'no', save_strategy: 'no' } });
    const text = readFileSync(path, 'utf8').replace('  num_labels: 2\n', `  num_labels: 2\n  from_pretrained: ${JSON.stringify(fromPretrained)}\n`);
    writeFileSync(path, text);
    const sink = new MemorySink();
    const events = { emit: (event: TrainerEvent) => (sink.emit(event), watch?.(event)) };
    const end = await runTraining({ configPath: path, events, core, stopSignal });
    const losses = end.status === 'completed' ? (JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')).log_history as { loss?: number }[]).map((e) => e.loss) : [];
    return { end, events: sink.events, losses };
  } finally {
    for (const key of Object.keys(extraEnv)) delete process.env[key];
  }
}

before(async () => {
  // The base model: a short run of our own, published as a Hub repo.
  const { path, outputDir } = writeConfig({ trainingArgs: { max_steps: 2, eval_strategy: 'no', save_strategy: 'no' } });
  const sink = new MemorySink();
  const end = await runTraining({ configPath: path, events: sink, core });
  assert.equal(end.status, 'completed', end.error?.message);
  baseDir = outputDir;
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => [f, readFileSync(join(outputDir, f))]));
  hub = await startMockHub([
    { id: 'test-org/base', refs: { main: COMMIT_A }, commits: { [COMMIT_A]: files } },
    { id: 'test-org/slow', refs: { main: COMMIT_A }, commits: { [COMMIT_A]: files } },
  ]);
  process.env.HF_HUB_CACHE = mkdtempSync(join(tmpdir(), 'fts-run-cache-'));
  process.env.HF_ENDPOINT = hub.url;
  delete process.env.HF_HUB_OFFLINE;
});
after(async () => {
  process.env = saved;
  await hub.close();
});

test('a Hub id downloads at run start, then resolves offline without a request, and trains exactly as the folder does', async () => {
  const byFolder = await fineTune(baseDir);
  assert.equal(byFolder.end.status, 'completed', byFolder.end.error?.message);

  const downloaded = await fineTune('test-org/base');
  assert.equal(downloaded.end.status, 'completed', downloaded.end.error?.message);
  assert.ok(downloaded.events.some((e) => e.type === 'message' && /^Downloading test-org\/base from http:\/\/127\.0\.0\.1:\d+ into /.test(e.text)));
  assert.ok(downloaded.events.some((e) => e.type === 'message' && /^Downloaded 3 files \(.*\) of test-org\/base in /.test(e.text)));
  assert.deepEqual(downloaded.losses, byFolder.losses);

  const requests = hub.requests.length;
  const offline = await fineTune('test-org/base', { HF_HUB_OFFLINE: '1' });
  assert.equal(offline.end.status, 'completed', offline.end.error?.message);
  assert.equal(hub.requests.length, requests, 'no request offline');
  assert.deepEqual(offline.losses, byFolder.losses);
  assert.ok(byFolder.losses.filter((l) => l !== undefined).length >= 2);
});

test('a stop while the model downloads ends the run `stopped` before runStart, leaving only <blob>.incomplete; the rerun completes it', async () => {
  // The weights stall after 64 bytes: the stop comes while the download waits for more.
  hub.faults.stall = new Map([['model.safetensors', { afterBytes: 64, times: 1 }]]);
  const stop = new AbortController();
  const stopped = await fineTune('test-org/slow', { HF_HUB_DOWNLOAD_TIMEOUT: '60' }, (e) => {
    if (e.type === 'download' && e.bytes >= 64 && e.file === 'model.safetensors') stop.abort();
  }, stop.signal);
  assert.equal(stopped.end.status, 'stopped', stopped.end.error?.message);
  const downloads = stopped.events.filter((e): e is DownloadEvent => e.type === 'download');
  assert.deepEqual(downloads[0], { ...downloads[0], model: 'test-org/slow', file: '', bytes: 0, total: 0, done: false });
  assert.ok(downloads.some((d) => d.file === 'model.safetensors' && d.bytes >= 64 && d.total > d.bytes && d.rate > 0), JSON.stringify(downloads));
  assert.ok(!downloads.some((d) => d.done), 'no download event says done');
  assert.ok(!stopped.events.some((e) => e.type === 'runStart'), 'the run never started training');
  assert.ok(stopped.events.some((e) => e.type === 'message' && /cancelled; the part already fetched stays in the cache as <blob>\.incomplete/.test(e.text)));
  const repo = join(process.env.HF_HUB_CACHE!, 'models--test-org--slow');
  const weights = readFileSync(join(baseDir, 'model.safetensors'));
  const sha = createHash('sha256').update(weights).digest('hex');
  assert.deepEqual(readdirSync(join(repo, 'blobs')).filter((b) => b.startsWith(sha)), [`${sha}.incomplete`]);
  assert.ok(!existsSync(join(repo, 'snapshots', COMMIT_A, 'model.safetensors')), 'no snapshot entry that looks complete');

  const rerun = await fineTune('test-org/slow');
  assert.equal(rerun.end.status, 'completed', rerun.end.error?.message);
  assert.deepEqual(readFileSync(join(repo, 'snapshots', COMMIT_A, 'model.safetensors')), weights);
  assert.ok(rerun.events.some((e) => e.type === 'download' && e.done));
});

test('offline, a revision the cache lacks fails the run at the config line, naming what is cached', async () => {
  const { end } = await fineTune('test-org/base@v2', { HF_HUB_OFFLINE: '1' });
  assert.equal(end.status, 'failed');
  assert.match(end.error?.message ?? '', /revision 'v2' of test-org\/base is not in the cache .*HF_HUB_OFFLINE=1.*\[?FTS220/s);
  assert.equal(end.error?.location?.line, 4, "the from_pretrained line");
});

test('a Hugging Face BERT checkpoint by Hub id, offline from the cache, fine-tunes as by folder and as transformers does (golden)', async () => {
  const fixture = resolve(__dirname, '..', '..', 'fixtures', 'hf', 'bert');
  const golden = JSON.parse(readFileSync(join(fixture, 'golden.json'), 'utf8')) as { max_length: number; pairs: string[] | null; train_eval_loss: number; train: { steps: number; batch_size: number; learning_rate: number; losses: number[] } };
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].map((f) => [f, readFileSync(join(fixture, f))]));
  const bertHub = await startMockHub([{ id: 'test-org/tiny-bert', refs: { main: COMMIT_A }, commits: { [COMMIT_A]: files } }]);
  const cache = mkdtempSync(join(tmpdir(), 'fts-hf-cache-'));
  try {
    await downloadModel('test-org/tiny-bert', { cacheDir: cache, endpoint: bertHub.url, retryDelayMs: 0 });
    const run = async (fromPretrained: string, env: Record<string, string>) => {
      const dir = mkdtempSync(join(tmpdir(), 'fts-hf-hub-run-'));
      const path = join(dir, 'hf.trainer.yaml');
      const lines = [
        'model:',
        `  from_pretrained: ${JSON.stringify(fromPretrained)}`,
        `  max_length: ${golden.max_length}`,
        'data:',
        `  train_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
        `  eval_file: ${JSON.stringify(join(fixture, 'train.jsonl'))}`,
        ...(golden.pairs ? ['  text_pair_column: text_pair'] : []),
        'backend: cpu',
        'training_args:',
        '  output_dir: out',
        `  max_steps: ${golden.train.steps}`,
        `  per_device_train_batch_size: ${golden.train.batch_size}`,
        `  learning_rate: ${golden.train.learning_rate}`,
        '  lr_scheduler_type: constant',
        '  logging_steps: 1',
        '  save_strategy: "no"',
        '  eval_on_start: true',
      ];
      writeFileSync(path, lines.join('\n') + '\n');
      Object.assign(process.env, env);
      try {
        const end = await runTraining({ configPath: path, events: new MemorySink(), core });
        assert.equal(end.status, 'completed', end.error?.message);
      } finally {
        for (const key of Object.keys(env)) delete process.env[key];
      }
      return (JSON.parse(readFileSync(join(dir, 'out', 'trainer_state.json'), 'utf8')).log_history as { loss?: number; eval_loss?: number }[]).map((e) => e.loss ?? e.eval_loss);
    };
    const byFolder = await run(fixture, {});
    const requests = bertHub.requests.length;
    const byId = await run('test-org/tiny-bert', { HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1' });
    assert.equal(bertHub.requests.length, requests, 'offline: no request');
    assert.deepEqual(byId, byFolder);
    assert.ok(Math.abs((byId[0] ?? NaN) - golden.train_eval_loss) < 1e-4, `eval_loss before training ${byId[0]} vs transformers ${golden.train_eval_loss}`);
  } finally {
    await bertHub.close();
  }
});
