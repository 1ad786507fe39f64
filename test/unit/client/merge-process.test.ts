/**
 * The editor's merge child process against the real CLI (src/cli/main.ts through tsx): a LoRA run
 * of examples/bert-classifier (trained 2 steps here) merges into a folder transformers reads
 * (config.json + model.safetensors, the report's modules); failures name the folders and the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../src/index';
import { mergeArguments, runMergeProcess } from '../../../client/merge-process';
import { trainerEnvironment } from '../../../client/training-process';
import { MemorySink } from '../../../src/trainer/event-sink';
import { runTraining } from '../../../src/trainer/run';

const ROOT = resolve(__dirname, '../../..');
const entry = { modulePath: join(ROOT, 'src/cli/main.ts'), execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href] };

test('merge arguments are an array: the folders stay single words whatever they contain', () => {
  assert.deepEqual(mergeArguments({ adapterDir: "/w/runs/it's lora", outDir: '/w/merged; rm -rf /' }), ['merge', "/w/runs/it's lora", '--out', '/w/merged; rm -rf /', '--json']);
});

test('a completed LoRA run merges in a child process: config.json + model.safetensors, the adapted modules reported', async () => {
  await tf.setBackend('cpu');
  const dir = join(mkdtempSync(join(tmpdir(), 'fts-merge-process-')), 'bert-classifier');
  cpSync(join(ROOT, 'examples/bert-classifier'), dir, { recursive: true, filter: (src) => !src.includes(`${join('/', 'runs')}`) });
  const end = await runTraining({ configPath: join(dir, 'lora.trainer.yaml'), events: new MemorySink(), core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf }, maxSteps: 2, backend: 'cpu' });
  assert.equal(end.status, 'completed', end.error?.message);
  const adapterDir = join(dir, 'runs', 'bert-classifier-lora');
  const outDir = join(dir, 'merged model');
  const lines: string[] = [];
  const outcome = await runMergeProcess(entry, { adapterDir, outDir, cwd: dir, log: (l) => lines.push(l) }, trainerEnvironment(process.env));
  assert.equal(outcome.out, outDir);
  assert.equal(outcome.baseModel, join(dir, 'model'));
  // PEFT's default for bert: query and value of each of the 2 layers.
  assert.deepEqual(outcome.merged, [0, 1].flatMap((i) => [`bert.encoder.layer.${i}.attention.self.query`, `bert.encoder.layer.${i}.attention.self.value`]));
  for (const file of ['config.json', 'model.safetensors']) assert.ok(existsSync(join(outDir, file)), `${file} missing in ${readdirSync(outDir).join(', ')}`);
  assert.ok(lines.some((l) => l.startsWith('{"out"')), 'the report line was forwarded to the log');

  // The same target again: the CLI refuses a non-empty folder, and the error names both folders.
  await assert.rejects(runMergeProcess(entry, { adapterDir, outDir, cwd: dir }), (error: Error) => {
    assert.match(error.message, new RegExp(`^Merging the adapter in ${adapterDir} into ${outDir} failed \\(exit 1\\): ${outDir} is not empty; choose a new folder`));
    return true;
  });
});

test('a folder without adapter_config.json: the error names it and says what an adapter folder is', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fts-merge-noadapter-'));
  const notAdapter = join(dir, 'runs', 'full');
  mkdirSync(notAdapter, { recursive: true });
  writeFileSync(join(notAdapter, 'config.json'), '{}');
  await assert.rejects(runMergeProcess(entry, { adapterDir: notAdapter, outDir: join(dir, 'out'), cwd: dir }), (error: Error) => {
    assert.match(error.message, new RegExp(`${notAdapter} has no adapter_config.json; expected a PEFT LoRA adapter folder`));
    return true;
  });
  assert.equal(existsSync(join(dir, 'out')), false);
});

test('a cancelled merge rejects saying so', async () => {
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(runMergeProcess(entry, { adapterDir: '/nowhere', outDir: '/nowhere-out', cwd: tmpdir(), signal: abort.signal }), /was cancelled/);
});
