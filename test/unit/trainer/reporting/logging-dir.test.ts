import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultLogdirName, resolveLoggingDir } from '../../../../src/trainer/reporting/logging-dir';
import { hparamsOf } from '../../../../src/trainer/reporting/hparams';

test('default_logdir as HF and torch name it: %b%d_%H-%M-%S_<hostname>, local time', () => {
  assert.equal(defaultLogdirName(new Date(2026, 0, 5, 7, 8, 9), 'box'), 'Jan05_07-08-09_box');
  assert.equal(defaultLogdirName(new Date(2026, 10, 29, 23, 59, 0), 'gpu-1.lab'), 'Nov29_23-59-00_gpu-1.lab');
});

test('logging_dir (relative to the config) wins, then TENSORBOARD_LOGGING_DIR (~ expanded), then <output_dir>/runs/<default>', () => {
  const base = { configDir: '/proj/configs', outputDir: '/proj/out', startTime: new Date(2026, 1, 3, 4, 5, 6) };
  assert.equal(resolveLoggingDir({ ...base, loggingDir: 'tb', env: { TENSORBOARD_LOGGING_DIR: '/elsewhere' } }), '/proj/configs/tb');
  assert.equal(resolveLoggingDir({ ...base, loggingDir: null, env: { TENSORBOARD_LOGGING_DIR: '/elsewhere' } }), '/elsewhere');
  assert.equal(resolveLoggingDir({ ...base, loggingDir: null, env: { TENSORBOARD_LOGGING_DIR: '~/tb' } }), join(homedir(), 'tb'));
  assert.match(resolveLoggingDir({ ...base, loggingDir: undefined, env: {} }), /^\/proj\/out\/runs\/Feb03_04-05-06_.+$/);
});

test('hparams: training_args by HF name, model/data by dotted path, lists as JSON text, nulls and empty maps left out', () => {
  const hparams = hparamsOf({
    $schema: 'x',
    model: { architecture: 'mlp', hidden_sizes: [64, 32] },
    data: { train_file: 'a.jsonl' },
    loss_name: 'CrossEntropy',
    loss_kwargs: {},
    trainer_kwargs: { gamma: 2 },
    training_args: { learning_rate: 5e-5, eval_steps: null, load_best_model_at_end: true, report_to: ['tensorboard'] },
  });
  assert.deepEqual(Object.fromEntries(hparams), {
    'model.architecture': 'mlp',
    'model.hidden_sizes': '[64,32]',
    'data.train_file': 'a.jsonl',
    loss_name: 'CrossEntropy',
    trainer_kwargs: '{"gamma":2}',
    learning_rate: 5e-5,
    load_best_model_at_end: true,
    report_to: '["tensorboard"]',
  });
});
