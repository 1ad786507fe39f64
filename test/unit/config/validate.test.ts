import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, check, codes, DEFAULT_FILES, memoryHost, only, rangeText, yamlConfig } from './helpers';
import { validateConfigValue } from '../../../src/config/validate';
import { TrainingArgumentsSchema } from '../../../src/config/schema';
import { RULES } from '../../../src/config/rules-table';

test('a valid config resolves with every default applied', () => {
  const { config, problems } = check(yamlConfig(['eval_strategy: epoch'], ['loss_name: CrossEntropyLoss']));
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.training_args.learning_rate, TrainingArgumentsSchema.properties.learning_rate.default);
  assert.equal(config.training_args.eval_steps, null);
  assert.equal(config.model.embedding_dim, 64);
  assert.equal(config.data.text_column, 'text');
  assert.deepEqual(config.loss_kwargs, {});
  assert.equal(config.loss_name, 'CrossEntropy', 'aliases are canonicalised');
  assert.deepEqual(config.metrics, ['accuracy'], 'classification default metric');
});

test('regression defaults: MSE loss and mse metric', () => {
  const { config } = check(yamlConfig([]).replace('num_labels: 2', 'num_labels: 1'));
  assert.equal(config?.loss_name, 'MSE');
  assert.deepEqual(config?.metrics, ['mse']);
});

test('omitted sections take their defaults; only data.train_file is required', () => {
  const { config, problems } = check('data:\n  train_file: data/train.jsonl\n');
  assert.deepEqual(codes(problems).filter((c) => c !== 'FTS207'), []);
  assert.equal(config?.model.architecture, 'text-classifier');
  assert.equal(config?.training_args.output_dir, 'trainer_output');
});

test('type mismatch is reported at the value, with the expected type', () => {
  const result = check(yamlConfig(['num_train_epochs: "three"']));
  const problem = only(result.problems, 'FTS101');
  assert.equal(rangeText(result.parsed, problem), '"three"');
  assert.match(problem.message, /num_train_epochs.*must be a number > 0.*string "three"/);
  assert.equal(result.config, undefined);
  assert.equal(problem.fix, undefined);
});

test('a quoted number gets a fix that removes the quotes', () => {
  const result = check(yamlConfig(['learning_rate: "5e-5"']));
  const problem = only(result.problems, 'FTS101');
  assert.match(applyFix(result.parsed, problem), /learning_rate: 0\.00005\n/);
});

test('YAML 1.1 booleans get a fix to true/false', () => {
  const result = check(yamlConfig(['dataloader_drop_last: yes']));
  const problem = only(result.problems, 'FTS101');
  assert.match(problem.message, /YAML 1\.2/);
  assert.match(applyFix(result.parsed, problem), /dataloader_drop_last: true\n/);
});

test('a number where a string is expected gets a quoting fix', () => {
  const result = check(yamlConfig(['run_name: 2024']));
  const problem = only(result.problems, 'FTS101');
  assert.match(applyFix(result.parsed, problem), /run_name: "2024"\n/);
});

test('integer fields reject fractions; ranges are enforced with the bound in the message', () => {
  const fraction = check(yamlConfig(['per_device_train_batch_size: 8.5']));
  assert.match(only(fraction.problems, 'FTS101').message, /integer >= 1.*8\.5/);
  const zero = check(yamlConfig(['per_device_train_batch_size: 0']));
  const problem = only(zero.problems, 'FTS102');
  assert.equal(rangeText(zero.parsed, problem), '0');
  assert.match(problem.message, />= 1/);
  assert.match(only(check(yamlConfig(['warmup_ratio: 1.5'])).problems, 'FTS102').message, /between 0 and 1/);
  assert.match(only(check(yamlConfig(['learning_rate: .inf'])).problems, 'FTS102').message, /finite/);
});

test('enum: lists allowed values and suggests the closest', () => {
  const result = check(yamlConfig(['lr_scheduler_type: cosin']));
  const problem = only(result.problems, 'FTS103');
  assert.equal(rangeText(result.parsed, problem), 'cosin');
  assert.match(problem.message, /`linear`, `cosine`.*Did you mean `cosine`\?/);
  assert.match(applyFix(result.parsed, problem), /lr_scheduler_type: cosine\n/);
  const wild = check(yamlConfig(['optim: lion']));
  assert.equal(only(wild.problems, 'FTS103').fix, undefined);
});

test('nullable and union fields accept each branch and report the fitting one', () => {
  assert.deepEqual(check(yamlConfig(['eval_steps: null', 'save_total_limit: 2', 'resume_from_checkpoint: true'])).problems, []);
  assert.match(only(check(yamlConfig(['eval_steps: 0'])).problems, 'FTS102').message, />= 1/);
  assert.match(only(check(yamlConfig(['eval_steps: often'])).problems, 'FTS101').message, /integer >= 1 or `null`/);
  assert.deepEqual(check(yamlConfig([], ['threads: 2'])).problems, []);
  assert.match(only(check(yamlConfig([], ['threads: many'])).problems, 'FTS103').message, /`auto`/);
});

test('missing required key is reported at the parent key', () => {
  const result = check('model:\n  num_labels: 2\ndata:\n  eval_file: data/valid.jsonl\n');
  const problem = only(result.problems, 'FTS104');
  assert.equal(rangeText(result.parsed, problem), 'data');
  assert.match(problem.message, /`data` is missing the required key `train_file`/);
});

test('an empty document and a non-mapping document are FTS003', () => {
  assert.deepEqual(codes(check('').problems), ['FTS003']);
  assert.deepEqual(codes(check('# only a comment\n').problems), ['FTS003']);
  assert.deepEqual(codes(check('- a\n- b\n').problems), ['FTS003']);
  assert.deepEqual(codes(check('[1, 2]', '/proj/x.trainer.json').problems), ['FTS003']);
});

test('renamed HF keys: warning with the new name, value honoured, rename fix', () => {
  const result = check(yamlConfig(['evaluation_strategy: epoch', 'per_gpu_train_batch_size: 16']));
  const renamed = result.problems.filter((p) => p.code === 'FTS110');
  assert.equal(renamed.length, 2);
  assert.match(renamed[0].message, /`evaluation_strategy`.*`eval_strategy`/);
  assert.equal(rangeText(result.parsed, renamed[0]), 'evaluation_strategy');
  assert.equal(result.config?.training_args.eval_strategy, 'epoch');
  assert.equal(result.config?.training_args.per_device_train_batch_size, 16);
  assert.match(applyFix(result.parsed, renamed[0]), /\n {2}eval_strategy: epoch\n/);
  assert.match(applyFix(result.parsed, renamed[1]), /\n {2}per_device_train_batch_size: 16\n/);
});

test('a renamed key with mapped values rewrites key and value', () => {
  const result = check(yamlConfig(['evaluate_during_training: true']));
  const problem = only(result.problems, 'FTS110');
  assert.equal(result.config?.training_args.eval_strategy, 'steps');
  assert.match(applyFix(result.parsed, problem), /\n {2}eval_strategy: steps\n/);
});

test('renamed HF key next to its new name is an error', () => {
  const result = check(yamlConfig(['evaluation_strategy: epoch', 'eval_strategy: epoch']));
  const problem = only(result.problems, 'FTS111');
  assert.doesNotMatch(applyFix(result.parsed, problem), /evaluation_strategy/);
});

test('renamed values are still type-checked under the new name', () => {
  const result = check(yamlConfig(['evaluation_strategy: sometimes']));
  assert.match(only(result.problems, 'FTS103').message, /`training_args.eval_strategy` must be one of/);
});

test('unsupported HF keys: "not supported by this trainer" with the reason and a removal fix', () => {
  for (const [line, reason] of [
    ['fp16: true', /float32/],
    ['deepspeed: ds_config.json', /one process/],
    ['push_to_hub: true', /Hub/],
    ['trackio_space_id: my/space', /trackio/],
    ['gradient_checkpointing_kwargs: { use_reentrant: false }', /recomputes whole decoder blocks/],
    ['dataloader_num_workers: 4', /dataloader workers/],
    ['torch_compile: true', /torch\.compile/],
    ['local_rank: 0', /one process/],
    ['group_by_length: true', /length grouping/],
    ['auto_find_batch_size: true', /out-of-memory/],
    ['use_cpu: true', /backend/],
    ['half_precision_backend: apex', /float32/],
  ] as const) {
    const result = check(yamlConfig([line]));
    const problem = only(result.problems, 'FTS120');
    assert.match(problem.message, /not supported by this trainer: /, line);
    assert.match(problem.message, reason, line);
    assert.ok(!codes(result.problems).includes('FTS100'), `${line} must not be a generic unknown key`);
    const fixed = applyFix(result.parsed, problem);
    assert.equal(fixed, yamlConfig([]), `removing ${line} leaves the rest intact`);
  }
});

test('unsupported HF keys set to their off value are only information', () => {
  for (const line of ['fp16: false', 'project: huggingface', 'push_to_hub: false', 'dataloader_num_workers: 0']) {
    const result = check(yamlConfig([line]));
    const problem = only(result.problems, 'FTS121');
    assert.equal(problem.severity, 'information');
    assert.ok(result.config, `${line} does not block the run`);
  }
});

test('unknown key: did you mean, with a rename fix', () => {
  const result = check(yamlConfig(['learning_rte: 1e-4']));
  const problem = only(result.problems, 'FTS100');
  assert.match(problem.message, /unknown key `learning_rte` in `training_args`; did you mean `learning_rate`\?/);
  assert.equal(rangeText(result.parsed, problem), 'learning_rte');
  assert.equal(applyFix(result.parsed, problem), yamlConfig(['learning_rate: 1e-4']));
});

test('unknown key with nothing close lists the known keys and offers removal', () => {
  const result = check(yamlConfig([], ['flavour: vanilla']));
  const problem = only(result.problems, 'FTS100');
  assert.match(problem.message, /known keys: .*training_args/);
  assert.equal(applyFix(result.parsed, problem), yamlConfig([]));
});

test('a key in the wrong section says where it belongs and moves it', () => {
  const result = check(yamlConfig([], ['learning_rate: 0.001']));
  const problem = only(result.problems, 'FTS106');
  assert.match(problem.message, /`learning_rate` belongs under `training_args`, not under the top level/);
  const fixed = applyFix(result.parsed, problem);
  assert.doesNotMatch(fixed, /^learning_rate/m);
  assert.match(fixed, /\n {2}logging_steps: 5\n {2}learning_rate: 0\.001\n/);
  const back = check(yamlConfig(['metrics: [accuracy]']));
  assert.match(only(back.problems, 'FTS106').message, /belongs under the top level/);
});

test('JSON configs are validated the same way, with JSON fixes', () => {
  const text = JSON.stringify({ data: { train_file: 'data/train.jsonl' }, training_args: { learning_rte: 0.001, logging_steps: 5, fp16: true } }, null, 2);
  const result = check(text, '/proj/x.trainer.json');
  const typo = only(result.problems, 'FTS100');
  assert.match(applyFix(result.parsed, typo), /"learning_rate": 0\.001/);
  const fp16 = only(result.problems, 'FTS120');
  const removed = applyFix(result.parsed, fp16);
  assert.deepEqual(JSON.parse(removed), { data: { train_file: 'data/train.jsonl' }, training_args: { learning_rte: 0.001, logging_steps: 5 } });
});

test('every code a problem can carry is in RULES, with a doc', () => {
  const known = new Set(RULES.map((r) => r.code));
  assert.equal(known.size, RULES.length, 'codes are unique');
  for (const rule of RULES) {
    assert.match(rule.code, /^FTS\d{3}$/);
    assert.ok(rule.doc.length > 20, rule.code);
  }
  const samples = [
    check(yamlConfig(['fp16: true', 'learning_rte: 1', 'evaluation_strategy: epoch', 'seed: x', 'eval_steps: 0'], ['metrics: [accuracy, accuracy]'])),
    check('a: [1'),
  ];
  for (const { problems } of samples) for (const p of problems) assert.ok(known.has(p.code), p.code);
});

test('validateConfigValue checks a plain value the same way', () => {
  const ok = validateConfigValue({ data: { train_file: 'data/train.jsonl' }, training_args: { logging_steps: 5 } }, memoryHost(DEFAULT_FILES), '/proj/x.trainer.json');
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.config?.training_args.learning_rate, 5e-5);
  const bad = validateConfigValue({ data: { train_file: 'data/train.jsonl' }, training_args: { learning_rte: 1, logging_steps: 5 } }, memoryHost(DEFAULT_FILES), '/proj/x.trainer.json');
  assert.deepEqual(codes(bad.problems), ['FTS100']);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(validateConfigValue(cyclic, memoryHost({})).problems[0].code, 'FTS003');
});

test('a section key with nothing under it says what to do', () => {
  const result = check(yamlConfig([], ['loss_kwargs:']));
  const problem = only(result.problems, 'FTS101');
  assert.equal(problem.range.start.line, 6);
  assert.match(problem.message, /`loss_kwargs` must be a mapping, but is null; nothing follows the key/);
});
