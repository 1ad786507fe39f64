import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, createLineIndex, formatProblem } from '../../../src/config/index';
import { validateSweepText, suggestFieldPath, type SweepHost } from '../../../src/sweep/validate';

const BASE = `model:
  architecture: text-classifier
data:
  train_file: data/train.jsonl
  eval_file: data/valid.jsonl
metrics: [accuracy]
training_args:
  max_steps: 6
  eval_strategy: steps
  eval_steps: 2
`;

/** An in-memory workspace: /ws/base.trainer.yaml and its data. */
function host(files: Record<string, string> = { '/ws/base.trainer.yaml': BASE, '/ws/data/train.jsonl': '{"text":"a","label":0}\n', '/ws/data/valid.jsonl': '{"text":"b","label":1}\n' }): SweepHost {
  return {
    resolvePath: (from, rel) => (rel.startsWith('/') ? rel : `${from.slice(0, from.lastIndexOf('/'))}/${rel}`),
    fileExists: (p) => p in files,
    readText: (p) => files[p],
    readTextHead: (p, n) => files[p]?.slice(0, n),
    countDataRows: (p) => (files[p] === undefined ? undefined : files[p].trim().split('\n').length),
  };
}

const validate = (text: string, h = host()) => validateSweepText(text, '/ws/s.sweep.yaml', h);
const at = (text: string, needle: string) => {
  const offset = text.indexOf(needle);
  return createLineIndex(text).positionAt(offset);
};

test('a valid random sweep resolves its base, parameters and objective direction', () => {
  const text = `base: base.trainer.yaml
trials: 3
parameters:
  training_args.learning_rate: { distribution: log_uniform, min: 1.0e-4, max: 1.0e-2 }
  model.dropout: { values: [0.0, 0.2] }
  training_args.per_device_train_batch_size: { distribution: int_uniform, min: 4, max: 16 }
objective: { metric_for_best_model: accuracy }
early_termination: { min_steps: 2 }
`;
  const result = validate(text);
  assert.deepEqual(result.problems.map(formatProblem), []);
  assert.ok(result.sweep);
  assert.equal(result.sweep.basePath, '/ws/base.trainer.yaml');
  assert.deepEqual(result.sweep.parameters.map((p) => p.path), ['training_args.learning_rate', 'model.dropout', 'training_args.per_device_train_batch_size']);
  assert.deepEqual(result.sweep.objective, { key: 'eval_accuracy', greaterIsBetter: true });
  assert.equal(result.sweep.file.method, 'random');
  assert.equal(result.sweep.file.early_termination?.reduction_factor, 3);
});

test('a misspelt parameter path gets did-you-mean at the key, and the quick fix renames it', () => {
  const text = `base: base.trainer.yaml
trials: 2
parameters:
  training_args.learning_rat: { values: [0.1] }
  learning_rate_x: { values: [0.1] }
  dropout: { values: [0.1] }
`;
  const result = validate(text);
  const typo = result.problems.find((p) => p.message.includes('learning_rat`'));
  assert.equal(typo?.code, 'FTS300');
  assert.deepEqual(typo?.range.start, at(text, 'training_args.learning_rat'));
  assert.match(typo?.message ?? '', /did you mean `training_args\.learning_rate`\?/);
  const fixed = applyEdits(text, typo?.fix?.edits ?? [], (p) => createLineIndex(text).offsetAt(p));
  assert.match(fixed, /^ {2}training_args\.learning_rate: \{ values/m);
  // A bare field name is found in its section.
  assert.match(result.problems.find((p) => p.message.startsWith('`dropout`'))?.message ?? '', /did you mean `model\.dropout`/);
  assert.equal(suggestFieldPath('learning_rate'), 'training_args.learning_rate');
});

test('parameter specs are checked against the trainer field they set, with positions', () => {
  const text = `base: base.trainer.yaml
method: grid
parameters:
  training_args.learning_rate: { values: [0.01, -1] }
  training_args.optim: { values: [adamw, adamx] }
  model: { values: [1] }
  training_args.output_dir: { values: [a] }
  model.dropout: { distribution: uniform, min: 0.5, max: 0.1 }
`;
  const result = validate(text);
  const messages = result.problems.map((p) => `${p.range.start.line}:${p.range.start.character} ${p.code} ${p.message}`);
  const find = (re: RegExp) => messages.find((m) => re.test(m));
  assert.ok(find(/^3:48 FTS301 sweep value: `training_args.learning_rate` must be > 0, but is -1/), messages.join('\n'));
  assert.ok(find(/^4:41 FTS301 .*one of .*Did you mean `adamw`\?/), messages.join('\n'));
  assert.ok(find(/^5:2 FTS300 `model` is a section, not a field; name a field in it, e.g. `model.architecture`/), messages.join('\n'));
  assert.ok(find(/^6:2 FTS300 `training_args.output_dir` cannot be a sweep parameter/), messages.join('\n'));
  assert.ok(find(/^7:2 FTS301 `model.dropout`: `method: grid` tries listed `values`/), messages.join('\n'));
  assert.ok(find(/FTS301 `model.dropout`: `min` \(0.5\) must be below `max` \(0.1\)/), messages.join('\n'));
  assert.equal(result.sweep, undefined);
});

test('distributions must fit the field: integers draw int_uniform, log_uniform needs min > 0, strings need values', () => {
  const text = `base: base.trainer.yaml
trials: 2
parameters:
  training_args.per_device_train_batch_size: { distribution: uniform, min: 4, max: 8 }
  training_args.weight_decay: { distribution: log_uniform, min: 0, max: 0.1 }
  training_args.optim: { distribution: uniform, min: 0, max: 1 }
  training_args.seed: { min: 1 }
`;
  const messages = validate(text).problems.map((p) => p.message);
  assert.ok(messages.some((m) => /integer field; use `distribution: int_uniform`/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /`log_uniform` needs `min` > 0/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /`training_args.optim` is one of .*so list `values` instead/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /`training_args.seed` needs `values: \[...\]` or a `distribution`/.test(m)), messages.join('\n'));
});

test('base, trials, objective and early termination problems name what to do', () => {
  const missing = validate('base: nope.trainer.yaml\ntrials: 1\nparameters:\n  model.dropout: { values: [0.1] }\n');
  assert.match(missing.problems[0].message, /base config `nope.trainer.yaml` not found \(looked at \/ws\/nope.trainer.yaml\)/);
  assert.deepEqual(missing.problems[0].range.start, { line: 0, character: 6 });

  const noTrials = validate('base: base.trainer.yaml\nmethod: random\nparameters:\n  model.dropout: { values: [0.1] }\n');
  assert.match(noTrials.problems.map((p) => p.message).join('\n'), /`method: random` needs `trials:`/);

  const objective = validate('base: base.trainer.yaml\ntrials: 1\nparameters:\n  model.dropout: { values: [0.1] }\nobjective:\n  metric_for_best_model: eval_f1\n');
  const problem = objective.problems.find((p) => p.code === 'FTS304');
  assert.match(problem?.message ?? '', /`eval_f1` is not computed by the base config, which evaluates `eval_loss`, `eval_accuracy`/);
  assert.deepEqual(problem?.range.start, { line: 5, character: 25 });

  const epochBase = BASE.replace('eval_strategy: steps', 'eval_strategy: epoch');
  const h = host({ '/ws/base.trainer.yaml': epochBase, '/ws/data/train.jsonl': '{"text":"a","label":0}\n', '/ws/data/valid.jsonl': '{"text":"b","label":1}\n' });
  const asha = validate('base: base.trainer.yaml\ntrials: 1\nparameters:\n  model.dropout: { values: [0.1] }\nearly_termination: { min_steps: 2 }\n', h);
  assert.match(asha.problems.find((p) => p.code === 'FTS305')?.message ?? '', /set `eval_strategy: steps` there/);

  const broken = validate('base: base.trainer.yaml\ntrials: 1\nparameters:\n  model.dropout: { values: [0.1] }\n', host({ '/ws/base.trainer.yaml': 'data: {}\n' }));
  assert.match(broken.problems[0].message, /base config `base.trainer.yaml` has 1 error\(s\) \(first: line 1: `data` is missing the required key `train_file`/);

  assert.match(validate('').problems[0].message, /the sweep file is empty/);
  assert.match(validate('base: base.trainer.yaml\ntrials: 1\nparamters: {}\n').problems.map((p) => p.message).join('\n'), /did you mean `parameters`\?/);
});
