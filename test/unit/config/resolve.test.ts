import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTotalSteps, effectiveEvalSteps, resolveBestModelMetric, resolveLossName, resolveMetricNames, resolveReportTo } from '../../../src/config/resolve';
import { LOSSES, TrainingArgumentsSchema } from '../../../src/config/schema';

const args = (overrides: Partial<Parameters<typeof computeTotalSteps>[0]['training_args']> = {}) => ({
  training_args: { per_device_train_batch_size: 8, gradient_accumulation_steps: 1, dataloader_drop_last: false, num_train_epochs: 3, max_steps: -1, ...overrides },
});

test('computeTotalSteps follows HF: ceil batches, floor by accumulation (at least 1), times epochs', () => {
  // 100 rows / batch 8 -> 13 batches (the last one partial); 13 steps per epoch; 3 epochs.
  assert.deepEqual(computeTotalSteps(args(), 100), { stepsPerEpoch: 13, totalSteps: 39, numEpochs: 3, batchesPerEpoch: 13 });
  // drop_last drops the partial batch: 12 per epoch.
  assert.equal(computeTotalSteps(args({ dataloader_drop_last: true }), 100).totalSteps, 36);
  // 13 batches // 4 accumulation = 3 optimizer steps per epoch (HF drops the remainder from the count).
  assert.equal(computeTotalSteps(args({ gradient_accumulation_steps: 4 }), 100).stepsPerEpoch, 3);
  // Accumulation larger than the epoch still gives one step per epoch.
  assert.equal(computeTotalSteps(args({ gradient_accumulation_steps: 20 }), 100).stepsPerEpoch, 1);
  // Fractional epochs: ceil(2.5 * 13) = 33 steps over 3 (partial) epochs.
  assert.deepEqual(computeTotalSteps(args({ num_train_epochs: 2.5 }), 100), { stepsPerEpoch: 13, totalSteps: 33, numEpochs: 3, batchesPerEpoch: 13 });
  // max_steps overrides epochs: 50 steps need ceil(50 / 13) = 4 passes.
  assert.deepEqual(computeTotalSteps(args({ max_steps: 50 }), 100), { stepsPerEpoch: 13, totalSteps: 50, numEpochs: 4, batchesPerEpoch: 13 });
});

test('computeTotalSteps invariants over many shapes', () => {
  for (let rows = 0; rows <= 70; rows += 7) {
    for (const batch of [1, 3, 8]) {
      for (const accumulation of [1, 2, 5]) {
        for (const dropLast of [false, true]) {
          const r = computeTotalSteps(args({ per_device_train_batch_size: batch, gradient_accumulation_steps: accumulation, dataloader_drop_last: dropLast, num_train_epochs: 2 }), rows);
          assert.ok(r.stepsPerEpoch >= 1);
          assert.equal(r.totalSteps, 2 * r.stepsPerEpoch);
          assert.ok(r.batchesPerEpoch * batch >= (dropLast ? rows - batch + 1 : rows));
          assert.ok(r.stepsPerEpoch * accumulation <= Math.max(r.batchesPerEpoch, accumulation));
        }
      }
    }
  }
});

test('loss and metric defaults depend on the task; aliases resolve', () => {
  const classifier = { model: { num_labels: 3 } } as const;
  const regressor = { model: { num_labels: 1 } } as const;
  assert.equal(resolveLossName({ ...classifier, loss_name: undefined } as never), 'CrossEntropy');
  assert.equal(resolveLossName({ ...regressor, loss_name: undefined } as never), 'MSE');
  assert.equal(resolveLossName({ ...classifier, loss_name: 'FocalLoss' } as never), 'Focal');
  for (const name of Object.keys(LOSSES)) assert.equal(resolveLossName({ ...classifier, loss_name: name } as never), name);
  assert.deepEqual(resolveMetricNames({ ...classifier, metrics: undefined } as never), ['accuracy']);
  assert.deepEqual(resolveMetricNames({ ...regressor, metrics: undefined } as never), ['mse']);
  assert.deepEqual(resolveMetricNames({ ...classifier, metrics: ['f1'] } as never), ['f1']);
});

test('eval_steps defaults to logging_steps; best-model metric defaults to loss, lower is better', () => {
  assert.equal(effectiveEvalSteps({ eval_steps: null, logging_steps: 7 }), 7);
  assert.equal(effectiveEvalSteps({ eval_steps: 3, logging_steps: 7 }), 3);
  const base = { metric_for_best_model: null, greater_is_better: null, load_best_model_at_end: false, lr_scheduler_type: 'linear', early_stopping_patience: null } as const;
  assert.equal(resolveBestModelMetric(base), undefined);
  assert.deepEqual(resolveBestModelMetric({ ...base, load_best_model_at_end: true }), { metric: 'loss', logKey: 'eval_loss', greaterIsBetter: false });
  assert.deepEqual(resolveBestModelMetric({ ...base, metric_for_best_model: 'eval_accuracy' }), { metric: 'accuracy', logKey: 'eval_accuracy', greaterIsBetter: true });
  assert.equal(resolveBestModelMetric({ ...base, metric_for_best_model: 'mse' })?.greaterIsBetter, false);
  assert.equal(resolveBestModelMetric({ ...base, metric_for_best_model: 'accuracy', greater_is_better: false })?.greaterIsBetter, false);
});

test('resolveReportTo reads report_to as HF does: none, all, a name or a list', () => {
  assert.deepEqual(resolveReportTo({ report_to: 'none' }), { integrations: [], unsupported: [] });
  assert.deepEqual(resolveReportTo({ report_to: ['none'] }), { integrations: [], unsupported: [] });
  assert.deepEqual(resolveReportTo({ report_to: 'all' }), { integrations: ['tensorboard'], unsupported: [] });
  assert.deepEqual(resolveReportTo({ report_to: 'tensorboard' }), { integrations: ['tensorboard'], unsupported: [] });
  assert.deepEqual(resolveReportTo({ report_to: ['wandb', 'tensorboard', 'all'] }), { integrations: ['tensorboard'], unsupported: ['wandb'] });
});

test('report_to defaults to none, as in transformers 5', () => {
  assert.equal(TrainingArgumentsSchema.properties.report_to.default, 'none');
  assert.equal(TrainingArgumentsSchema.properties.logging_dir.default, null);
});
