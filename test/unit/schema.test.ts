import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSS_ALIASES, TrainingArgumentsSchema } from '../../src/config/schema';

test('every torch.nn loss class name resolves to a canonical loss', () => {
  for (const name of ['CrossEntropyLoss', 'BCEWithLogitsLoss', 'MSELoss', 'L1Loss', 'SmoothL1Loss', 'HuberLoss', 'NLLLoss', 'KLDivLoss']) {
    assert.ok(LOSS_ALIASES[name], name);
    assert.equal(LOSS_ALIASES[LOSS_ALIASES[name]], LOSS_ALIASES[name]);
  }
});

test('training_args carries Hugging Face defaults', () => {
  const props = TrainingArgumentsSchema.properties;
  assert.equal(props.learning_rate.default, 5e-5);
  assert.equal(props.num_train_epochs.default, 3);
  assert.equal(props.lr_scheduler_type.default, 'linear');
});
