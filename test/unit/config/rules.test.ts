import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, check, codes, DEFAULT_FILES, jsonlRows, only, rangeText, yamlConfig } from './helpers';

const fires = (lines: string[], code: string, extra: string[] = [], files = DEFAULT_FILES) => {
  const result = check(yamlConfig(lines, extra), '/proj/x.trainer.yaml', files);
  return { ...result, problem: only(result.problems, code) };
};
const quiet = (lines: string[], code: string, extra: string[] = [], files = DEFAULT_FILES) => {
  const result = check(yamlConfig(lines, extra), '/proj/x.trainer.yaml', files);
  assert.ok(!codes(result.problems).includes(code), `${code} fired: ${result.problems.map((p) => p.message).join(' | ')}`);
  return result;
};

test('FTS200: load_best_model_at_end without evaluation', () => {
  const { parsed, problem } = fires(['save_strategy: epoch', 'load_best_model_at_end: true'], 'FTS200');
  assert.equal(rangeText(parsed, problem), 'load_best_model_at_end');
  assert.match(applyFix(parsed, problem), /save_strategy: epoch\n {2}eval_strategy: epoch\n/);
  quiet(['eval_strategy: epoch', 'save_strategy: epoch', 'load_best_model_at_end: true'], 'FTS200');
  quiet(['save_strategy: epoch'], 'FTS200');
});

test('FTS201: save_strategy must match eval_strategy; the fix aligns or inserts it', () => {
  const written = fires(['eval_strategy: epoch', 'save_strategy: steps', 'load_best_model_at_end: true'], 'FTS201');
  assert.equal(rangeText(written.parsed, written.problem), 'steps');
  assert.equal(applyFix(written.parsed, written.problem), yamlConfig(['eval_strategy: epoch', 'save_strategy: epoch', 'load_best_model_at_end: true']));
  const defaulted = fires(['eval_strategy: epoch', 'load_best_model_at_end: true'], 'FTS201');
  assert.match(defaulted.problem.message, /`save_strategy` \(`steps`\) must match `eval_strategy` \(`epoch`\)/);
  assert.equal(applyFix(defaulted.parsed, defaulted.problem), yamlConfig(['eval_strategy: epoch', 'save_strategy: epoch', 'load_best_model_at_end: true']));
  quiet(['eval_strategy: steps', 'save_strategy: epoch'], 'FTS201');
});

test('FTS202: save_steps a multiple of eval_steps; the fix rounds it', () => {
  const { parsed, problem } = fires(['eval_strategy: steps', 'eval_steps: 30', 'save_steps: 100', 'load_best_model_at_end: true'], 'FTS202');
  assert.equal(rangeText(parsed, problem), '100');
  assert.match(applyFix(parsed, problem), /save_steps: 90\n/);
  quiet(['eval_strategy: steps', 'eval_steps: 30', 'save_steps: 90', 'load_best_model_at_end: true'], 'FTS202');
  // eval_steps defaults to logging_steps (5 in yamlConfig).
  const fromLogging = fires(['eval_strategy: steps', 'save_steps: 12', 'load_best_model_at_end: true'], 'FTS202');
  assert.match(fromLogging.problem.message, /`eval_steps` \(5\) \(`eval_steps` defaults to `logging_steps`\)/);
  assert.match(applyFix(fromLogging.parsed, fromLogging.problem), /save_steps: 10\n/);
  quiet(['eval_strategy: steps', 'eval_steps: 30', 'save_steps: 100'], 'FTS202');
  quiet(['eval_strategy: steps', 'eval_steps: 30', 'save_steps: "100"', 'load_best_model_at_end: true'], 'FTS202');
});

test('FTS203: metric_for_best_model must be computed, with the eval_ prefix allowed', () => {
  const typo = fires(['metric_for_best_model: eval_acuracy'], 'FTS203');
  assert.match(typo.problem.message, /computed: `loss`, `accuracy` \(default for classification\)\. Did you mean `eval_accuracy`\?/);
  assert.match(applyFix(typo.parsed, typo.problem), /metric_for_best_model: eval_accuracy\n/);
  assert.match(fires(['metric_for_best_model: f1'], 'FTS203').problem.message, /add it to `metrics`/);
  for (const metric of ['accuracy', 'eval_accuracy', 'loss', 'eval_loss']) quiet([`metric_for_best_model: ${metric}`], 'FTS203');
  quiet(['metric_for_best_model: f1'], 'FTS203', ['metrics: [accuracy, f1]']);
  const regression = check(yamlConfig(['metric_for_best_model: eval_mse']).replace('num_labels: 2', 'num_labels: 1'));
  assert.ok(!codes(regression.problems).includes('FTS203'));
});

test('FTS204: evaluation needs data.eval_file', () => {
  const text = yamlConfig(['eval_strategy: epoch']).replace('  eval_file: data/valid.jsonl\n', '');
  const result = check(text);
  const problem = only(result.problems, 'FTS204');
  assert.equal(rangeText(result.parsed, problem), 'epoch');
  quiet(['eval_strategy: epoch'], 'FTS204');
  assert.ok(!codes(check(yamlConfig([]).replace('  eval_file: data/valid.jsonl\n', '')).problems).includes('FTS204'));
});

test('FTS204: eval_on_start needs data.eval_file too', () => {
  const result = check(yamlConfig(['eval_on_start: true']).replace('  eval_file: data/valid.jsonl\n', ''));
  assert.equal(rangeText(result.parsed, only(result.problems, 'FTS204')), 'true');
  quiet(['eval_on_start: true'], 'FTS204');
});

test('FTS205: warmup_steps and warmup_ratio both set is a warning', () => {
  const { problem } = fires(['warmup_steps: 10', 'warmup_ratio: 0.1'], 'FTS205');
  assert.equal(problem.severity, 'warning');
  quiet(['warmup_steps: 10'], 'FTS205');
  quiet(['warmup_ratio: 0.1'], 'FTS205');
  quiet(['warmup_steps: 0', 'warmup_ratio: 0.1'], 'FTS205');
});

test('FTS206: referenced files must exist, relative to the config file', () => {
  const missing = check(yamlConfig([]).replace('data/train.jsonl', 'data/nope.jsonl'));
  const problem = only(missing.problems, 'FTS206');
  assert.equal(rangeText(missing.parsed, problem), 'data/nope.jsonl');
  assert.match(problem.message, /training data file not found: data\/nope\.jsonl \(looked for \/proj\/data\/nope\.jsonl/);
  const nested = check(yamlConfig([]).replace(/data\//g, '../data/'), '/proj/configs/x.trainer.yaml');
  assert.ok(!codes(nested.problems).includes('FTS206'));
  const trainer = check(yamlConfig([], ['trainer: ./my_trainer.ts']));
  assert.match(only(trainer.problems, 'FTS206').message, /trainer module not found/);
  const files = { ...DEFAULT_FILES, '/proj/my_trainer.ts': '', '/proj/runs/base/model.json': '{}', '/proj/tok/tokenizer.json': '{}' };
  const present = check(yamlConfig([], ['trainer: ./my_trainer.ts']).replace('  num_labels: 2', '  num_labels: 2\n  from_pretrained: runs/base').replace('  eval_file', '  tokenizer: tok\n  eval_file'), '/proj/x.trainer.yaml', files);
  assert.ok(!codes(present.problems).includes('FTS206'), present.problems.map((p) => p.message).join());
  const tokenizer = check(yamlConfig([]).replace('  eval_file', '  tokenizer: tok\n  eval_file'));
  assert.match(only(tokenizer.problems, 'FTS206').message, /tokenizer folder not found/);
});

test('FTS207: intervals longer than the run (100 rows, batch 8, 3 epochs = 39 steps)', () => {
  const logging = check(yamlConfig([]).replace('logging_steps: 5', 'logging_steps: 50'));
  const problem = only(logging.problems, 'FTS207');
  assert.equal(rangeText(logging.parsed, problem), '50');
  assert.match(problem.message, /the run has 39 optimizer steps: 100 rows, batch 8, accumulation 1, 3 epochs/);
  assert.ok(!codes(check(yamlConfig([]).replace('logging_steps: 5', 'logging_steps: 39')).problems).includes('FTS207'));
  const accumulated = check(yamlConfig(['gradient_accumulation_steps: 4']).replace('logging_steps: 5', 'logging_steps: 10'));
  assert.match(only(accumulated.problems, 'FTS207').message, /9 optimizer steps/);
  const maxSteps = fires(['max_steps: 3'], 'FTS207');
  assert.match(maxSteps.problem.message, /`max_steps` is 3/);
  const evalSteps = fires(['eval_strategy: steps', 'eval_steps: 40'], 'FTS207');
  assert.match(evalSteps.problem.message, /`eval_steps` is 40.*no evaluation/);
  fires(['save_steps: 100'], 'FTS207');
  quiet([], 'FTS207');
  assert.ok(!codes(check(yamlConfig(['logging_strategy: epoch']).replace('logging_steps: 5', 'logging_steps: 50')).problems).includes('FTS207'));
  // A host that cannot count rows (here: train.jsonl exists only as a folder) skips the check.
  const unknownRows = check(yamlConfig([]).replace('logging_steps: 5', 'logging_steps: 50'), '/proj/x.trainer.yaml', { '/proj/data/valid.jsonl': 'x', '/proj/data/train.jsonl/part-0': '' });
  assert.ok(!codes(unknownRows.problems).includes('FTS207'));
});

test('FTS208: num_heads must divide embedding_dim for transformer-encoder', () => {
  const config = (arch: string, heads: number) => yamlConfig([]).replace('text-classifier', arch).replace('  num_labels: 2', `  num_labels: 2\n  embedding_dim: 64\n  num_heads: ${heads}`);
  const result = check(config('transformer-encoder', 5));
  assert.equal(rangeText(result.parsed, only(result.problems, 'FTS208')), '5');
  assert.ok(!codes(check(config('transformer-encoder', 4)).problems).includes('FTS208'));
  assert.ok(!codes(check(config('text-classifier', 5)).problems).includes('FTS208'));
});

test('FTS209: early stopping needs evaluation and load_best_model_at_end', () => {
  assert.match(fires(['early_stopping_patience: 3'], 'FTS209').problem.message, /needs evaluations/);
  const noBest = fires(['eval_strategy: epoch', 'save_strategy: epoch', 'early_stopping_patience: 3'], 'FTS209');
  assert.equal(applyFix(noBest.parsed, noBest.problem), yamlConfig(['eval_strategy: epoch', 'save_strategy: epoch', 'early_stopping_patience: 3', 'load_best_model_at_end: true']));
  quiet(['eval_strategy: epoch', 'save_strategy: epoch', 'load_best_model_at_end: true', 'early_stopping_patience: 3'], 'FTS209');
});

test('FTS210: reduce_lr_on_plateau needs evaluation', () => {
  fires(['lr_scheduler_type: reduce_lr_on_plateau'], 'FTS210');
  quiet(['lr_scheduler_type: reduce_lr_on_plateau', 'eval_strategy: epoch'], 'FTS210');
});

test('FTS211: an empty training file', () => {
  const files = { ...DEFAULT_FILES, '/proj/data/train.jsonl': '\n\n' };
  const result = check(yamlConfig([]), '/proj/x.trainer.yaml', files);
  assert.match(only(result.problems, 'FTS211').message, /data\/train\.jsonl has no data rows/);
  quiet([], 'FTS211', [], { ...DEFAULT_FILES, '/proj/data/train.jsonl': jsonlRows(1) });
});

test('FTS212/FTS213: loss and metrics must fit classification or regression', () => {
  const regression = (extra: string[]) => check(yamlConfig([], extra).replace('num_labels: 2', 'num_labels: 1'));
  assert.match(only(regression(['loss_name: CrossEntropyLoss']).problems, 'FTS212').message, /classification loss/);
  assert.match(only(check(yamlConfig([], ['loss_name: MSE'])).problems, 'FTS212').message, /regression loss/);
  assert.ok(!codes(check(yamlConfig([], ['loss_name: BCEWithLogits'])).problems).includes('FTS212'));
  const metric = regression(['metrics: [mse, accuracy]']);
  assert.equal(rangeText(metric.parsed, only(metric.problems, 'FTS213')), 'accuracy');
  assert.ok(!codes(regression(['metrics: [mse, mae]']).problems).includes('FTS213'));
  const smoothedFocal = check(yamlConfig(['label_smoothing_factor: 0.1'], ['loss_name: Focal']));
  assert.match(only(smoothedFocal.problems, 'FTS212').message, /would silently drop `Focal`/);
  assert.equal(rangeText(smoothedFocal.parsed, only(smoothedFocal.problems, 'FTS212')), '0.1');
  assert.ok(!codes(check(yamlConfig(['label_smoothing_factor: 0.1'])).problems).includes('FTS212'));
});

test('rules stay quiet about values the schema rejected', () => {
  const result = check(yamlConfig(['eval_strategy: sometimes', 'load_best_model_at_end: true']));
  assert.deepEqual(codes(result.problems), ['FTS103']);
});

test('FTS214: columns must exist in the training file, with a did-you-mean fix', () => {
  const result = check(yamlConfig([]).replace('  eval_file', '  label_column: lable\n  eval_file'));
  const problem = only(result.problems, 'FTS214');
  assert.equal(rangeText(result.parsed, problem), 'lable');
  assert.match(problem.message, /label column `lable` is not a column of data\/train\.jsonl; its columns are `text`, `label`\. Did you mean `label`\?/);
  assert.match(applyFix(result.parsed, problem), /label_column: label\n/);
  const defaulted = check(yamlConfig([]), '/proj/x.trainer.yaml', { ...DEFAULT_FILES, '/proj/data/train.jsonl': '{"sentence": "a", "label": 1}' });
  const missingText = only(defaulted.problems, 'FTS214');
  assert.match(missingText.message, /text column `text` \(default\)/);
  quiet([], 'FTS214');
  const csv = { ...DEFAULT_FILES, '/proj/data/train.csv': 'x1,"x 2",target\n1,2,3\n' };
  const mlp = (features: string) =>
    check(yamlConfig([]).replace('text-classifier', 'mlp').replace('data/train.jsonl', 'data/train.csv').replace('  eval_file', `  label_column: target\n  feature_columns: ${features}\n  eval_file`), '/proj/x.trainer.yaml', csv);
  assert.ok(!codes(mlp('[x1, "x 2"]').problems).includes('FTS214'));
  const wrong = mlp('[x1, x3]');
  assert.equal(rangeText(wrong.parsed, only(wrong.problems, 'FTS214')), 'x3');
});

test('FTS215: report_to names an integration this trainer does not offer (a warning naming what is supported)', () => {
  const wandb = fires(['report_to: wandb'], 'FTS215');
  assert.equal(wandb.problem.severity, 'warning');
  assert.equal(rangeText(wandb.parsed, wandb.problem), 'wandb');
  assert.match(wandb.problem.message, /`wandb`, a Hugging Face integration this trainer does not offer; it is ignored\. Supported: `tensorboard`, `all`, `none`/);
  assert.ok(wandb.config, 'a warning does not block the run');
  const listed = check(yamlConfig(['report_to: [tensorboard, mlflow, comet_ml]']));
  const warnings = listed.problems.filter((p) => p.code === 'FTS215');
  assert.deepEqual(warnings.map((p) => rangeText(listed.parsed, p)), ['mlflow', 'comet_ml'], 'each unsupported item, at its own position');
  const typo = fires(['report_to: tensorbaord'], 'FTS215');
  assert.match(typo.problem.message, /not a reporting integration.*Did you mean `tensorboard`\?/);
  assert.match(applyFix(typo.parsed, typo.problem), /report_to: tensorboard\n/);
  for (const ok of ['report_to: tensorboard', 'report_to: all', 'report_to: none', 'report_to: [tensorboard]', 'report_to: []']) quiet([ok], 'FTS215');
});

test('FTS240: messages rows with a tokenizer that has no chat template, unless data.chat_template gives one', () => {
  const messages = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] });
  const files = { '/proj/data/chat.jsonl': messages, '/proj/tok/tokenizer.json': '{}', '/proj/tok/tokenizer_config.json': '{"eos_token": "</s>"}' };
  const config = (extra: string[]) => ['model:', '  from_pretrained: tok', 'data:', '  train_file: data/chat.jsonl', ...extra, 'training_args:', '  output_dir: runs/x', ''].join('\n');
  const result = check(config([]), '/proj/x.trainer.yaml', files);
  const problem = only(result.problems, 'FTS240');
  assert.equal(rangeText(result.parsed, problem), 'tok');
  assert.match(problem.message, /conversations \(messages\), but the tokenizer in tok has no chat template .*set data\.chat_template/);
  const forced = check(config(['  format: messages']), '/proj/x.trainer.yaml', { ...files, '/proj/data/chat.jsonl': '{"text": "a"}' });
  assert.equal(rangeText(forced.parsed, only(forced.problems, 'FTS240')), 'messages');
  assert.ok(!codes(check(config(['  chat_template: "{{ messages }}"']), '/proj/x.trainer.yaml', files).problems).includes('FTS240'));
  assert.ok(!codes(check(config([]), '/proj/x.trainer.yaml', { ...files, '/proj/tok/chat_template.jinja': '{{ x }}' }).problems).includes('FTS240'));
  const inConfig = { ...files, '/proj/tok/tokenizer_config.json': '{"chat_template": "{{ x }}"}' };
  assert.ok(!codes(check(config([]), '/proj/x.trainer.yaml', inConfig).problems).includes('FTS240'));
  assert.ok(!codes(check(config([]), '/proj/x.trainer.yaml', { ...files, '/proj/data/chat.jsonl': '{"text": "a"}' }).problems).includes('FTS240'));
});

test('a causal-LM checkpoint: no label column is needed, the format\'s columns are checked, Alpaca/ShareGPT files get FTS241 with the mapping', () => {
  const lm = { '/proj/lm/config.json': JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }), '/proj/lm/tokenizer.json': '{}' };
  const config = (extra: string[] = []) => ['model:', '  from_pretrained: lm', 'data:', '  train_file: data/train.jsonl', ...extra, 'training_args:', '  output_dir: runs/x', ''].join('\n');
  const withData = (row: unknown, extra: string[] = []) => check(config(extra), '/proj/x.trainer.yaml', { ...lm, '/proj/data/train.jsonl': JSON.stringify(row) });
  const text = withData({ text: 'hello' });
  assert.deepEqual(codes(text.problems).filter((c) => c === 'FTS214' || c === 'FTS241'), []);
  assert.deepEqual(codes(withData({ prompt: 'a', completion: 'b' }).problems).filter((c) => c === 'FTS214' || c === 'FTS241'), []);
  const alpaca = only(withData({ instruction: 'Add', input: '', output: '6' }).problems, 'FTS241');
  assert.match(alpaca.message, /^data\/train\.jsonl: this is an Alpaca-style file .*data\.prompt_column: instruction/);
  const shareGpt = only(withData({ conversations: [{ from: 'human', value: 'hi' }] }).problems, 'FTS241');
  assert.match(shareGpt.message, /ShareGPT-style file .*human → user, gpt → assistant/);
  assert.match(only(withData({ body: 'x' }).problems, 'FTS241').message, /no column to train a language model on; its columns are `body`/);
  const mapped = withData({ question: 'a', answer: 'b' }, ['  format: prompt-completion', '  prompt_column: question', '  completion_column: answr']);
  assert.match(only(mapped.problems, 'FTS214').message, /completion column `answr` is not a column of data\/train\.jsonl.*Did you mean `answer`/);
  // A classification checkpoint still needs its label column.
  const classifier = { ...lm, '/proj/lm/config.json': JSON.stringify({ model_type: 'llama', architectures: ['LlamaForSequenceClassification'] }), '/proj/data/train.jsonl': '{"text": "a"}' };
  assert.match(only(check(config(), '/proj/x.trainer.yaml', classifier).problems, 'FTS214').message, /label column `label` \(default\)/);
});
