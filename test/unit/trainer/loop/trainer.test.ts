import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Trainer } from '../../../../src/trainer/trainer';
import { MemorySink } from '../../../../src/trainer/event-sink';
import { listCheckpoints } from '../../../../src/trainer/checkpoints';
import { createLoss } from '../../../../src/trainer/losses';
import { epochPermutation } from '../../../../src/trainer/random';
import type { Inputs, TrainableModel } from '../../../../src/trainer/types';
import { maxAbsDifference, mlp, tabularDataset, tempDir, trainingArgs, weightValues } from './helpers';

before(async () => {
  await tf.setBackend('cpu');
});

test('accumulating k micro-batches gives the gradients of one k-times larger batch (numItemsInBatch)', async () => {
  // Every 3rd label is ignored, so micro-batches hold different numbers of counted items:
  // a per-micro-batch mean would weight them wrongly; sum / numItemsInBatch does not.
  const data = tabularDataset(96, 1, { ignoreEvery: 3 });
  const run = async (batch: number, accumulation: number) => {
    const model = mlp(11);
    const trainer = new Trainer({
      model,
      args: trainingArgs({ per_device_train_batch_size: batch, gradient_accumulation_steps: accumulation, max_steps: 6, learning_rate: 0.05, optim: 'sgd', max_grad_norm: 0, save_strategy: 'no', logging_steps: 1, output_dir: tempDir() }),
      trainDataset: data,
    });
    await trainer.train();
    const weights = await weightValues(model);
    const losses = trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss);
    model.dispose();
    return { weights, losses };
  };
  const big = await run(16, 1);
  const accumulated = await run(4, 4);
  assert.ok(maxAbsDifference(big.weights, accumulated.weights) < 1e-5, 'weights differ');
  assert.equal(big.losses.length, accumulated.losses.length);
  big.losses.forEach((loss, i) => assert.ok(Math.abs(loss - accumulated.losses[i]) < 1e-5, `loss ${i}: ${loss} vs ${accumulated.losses[i]}`));
});

/** A computeLoss that returns a per-micro-batch mean and ignores numItemsInBatch. */
class MeanLossTrainer extends Trainer {
  override computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false) {
    const { labels, ...features } = inputs;
    const outputs = model.forward(features);
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, 3), outputs.logits);
    return returnOutputs ? ([loss, outputs] as [tf.Tensor, typeof outputs]) : loss;
  }
}

async function sgdWeights(TrainerClass: typeof Trainer, batch: number, accumulation: number, learningRate = 0.05) {
  const model = mlp(5);
  const trainer = new TrainerClass({
    model,
    args: trainingArgs({ per_device_train_batch_size: batch, gradient_accumulation_steps: accumulation, max_steps: 4, learning_rate: learningRate, optim: 'sgd', max_grad_norm: 0, save_strategy: 'no', output_dir: tempDir() }),
    trainDataset: tabularDataset(64, 2),
  });
  await trainer.train();
  const weights = await weightValues(model);
  model.dispose();
  return weights;
}

test('static acceptsLossKwargs = false gets the HF fallback: the loss is divided by the accumulation steps', async () => {
  class DeclaredMeanLossTrainer extends MeanLossTrainer {
    static override acceptsLossKwargs = false;
  }
  // Equal-sized micro-batches without ignored labels: mean of means equals the big-batch mean.
  assert.ok(maxAbsDifference(await sgdWeights(DeclaredMeanLossTrainer, 16, 1), await sgdWeights(DeclaredMeanLossTrainer, 8, 2)) < 1e-5);
});

test('an undeclared override gets HF\'s default (model_accepts_loss_kwargs): not rescaled, whatever its parameter list says', async () => {
  // Two summed micro-batch means: the SGD step of one batch at twice the learning rate.
  const accumulated = await sgdWeights(MeanLossTrainer, 8, 2);
  assert.ok(maxAbsDifference(await sgdWeights(MeanLossTrainer, 16, 1, 0.1), accumulated) < 1e-5);
  assert.ok(maxAbsDifference(await sgdWeights(MeanLossTrainer, 16, 1), accumulated) > 1e-3);
});

test('training leaks no tensors: tf.memory().numTensors stays flat across steps', async () => {
  const model = mlp(3, 0.1);
  const atLog: number[] = [];
  const atStep: number[] = [];
  const trainer = new Trainer({
    model,
    args: trainingArgs({ per_device_train_batch_size: 8, gradient_accumulation_steps: 2, max_steps: 40, logging_steps: 5, save_strategy: 'no', eval_strategy: 'steps', eval_steps: 10, output_dir: tempDir() }),
    trainDataset: tabularDataset(64, 3),
    evalDataset: tabularDataset(20, 4),
    metricNames: ['accuracy', 'f1'],
    callbacks: [
      { onStepEnd: () => void atStep.push(tf.memory().numTensors) },
      // After a log every per-step loss kept since the previous log has been read and released.
      { onLog: () => void atLog.push(tf.memory().numTensors) },
    ],
  });
  const before = tf.memory().numTensors;
  await trainer.train();
  assert.equal(atLog.length, 8);
  assert.equal(Math.max(...atLog.slice(1)), Math.min(...atLog.slice(1)), `tensor count drifted at logs: ${atLog.join(', ')}`);
  // Between logs only the pending per-step losses are held: at most logging_steps of them.
  assert.ok(Math.max(...atStep.slice(1)) - Math.min(...atStep.slice(1)) <= 5);
  // Optimizer slots are the only tensors left behind by training, and they go with the optimizer.
  trainer.optimizer?.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('the same config and seed give the same loss sequence on cpu', async () => {
  const run = async () => {
    const model = mlp(9, 0.2);
    const trainer = new Trainer({
      model,
      args: trainingArgs({ per_device_train_batch_size: 8, max_steps: 12, logging_steps: 2, save_strategy: 'no', seed: 123, output_dir: tempDir() }),
      trainDataset: tabularDataset(80, 5),
    });
    await trainer.train();
    model.dispose();
    return trainer.state.logHistory.filter((e) => 'loss' in e).map((e) => e.loss);
  };
  const first = await run();
  assert.ok(first.length >= 6);
  assert.deepEqual(await run(), first);
});

test('a run stopped halfway and resumed ends with the same weights and loss log as an uninterrupted run', async () => {
  const args = (outputDir: string) =>
    trainingArgs({ per_device_train_batch_size: 8, gradient_accumulation_steps: 2, num_train_epochs: 3, logging_steps: 3, save_strategy: 'steps', save_steps: 4, learning_rate: 0.01, output_dir: outputDir, seed: 3 });
  const data = tabularDataset(72, 6);

  const fullModel = mlp(21, 0.1);
  const full = new Trainer({ model: fullModel, args: args(tempDir()), trainDataset: data });
  const fullOutput = await full.train();
  assert.equal(fullOutput.status, 'completed');

  const outputDir = tempDir();
  const firstModel = mlp(21, 0.1);
  const first = new Trainer({
    model: firstModel,
    args: args(outputDir),
    trainDataset: data,
    // Stop at step 7, between saves and between logs: the stop itself must checkpoint.
    callbacks: [{ onStepEnd: ({ state }) => void (state.globalStep === 7 && first.requestStop()) }],
  });
  const stopped = await first.train();
  assert.equal(stopped.status, 'stopped');
  assert.ok(stopped.stopCheckpoint?.endsWith('checkpoint-7'));
  assert.ok(existsSync(join(outputDir, 'checkpoint-7', 'trainer_state.json')));

  const resumedModel = mlp(99, 0.1); // different init: every weight must come from the checkpoint
  const resumed = new Trainer({ model: resumedModel, args: args(outputDir), trainDataset: data });
  const resumedOutput = await resumed.train({ resumeFromCheckpoint: true });
  assert.equal(resumedOutput.status, 'completed');
  assert.equal(resumed.state.globalStep, full.state.globalStep);
  // Exactly equal, as the README claims: every weight bit, every log entry (grad_norm is not
  // rounded), and the unrounded mean training loss over all steps.
  assert.deepEqual(await weightValues(resumedModel), await weightValues(fullModel));
  const logs = (t: Trainer) => t.state.logHistory.filter((e) => 'loss' in e);
  assert.ok(logs(full).length >= 4 && logs(full).every((e) => typeof e.grad_norm === 'number'));
  assert.deepEqual(logs(resumed), logs(full));
  assert.equal(resumedOutput.trainingLoss, fullOutput.trainingLoss);
  assert.equal(resumedOutput.metrics.train_loss, fullOutput.metrics.train_loss);
  [fullModel, firstModel, resumedModel].forEach((m) => m.dispose());
});

test('eval, best checkpoint, save_total_limit rotation and load_best_model_at_end work together', async () => {
  const outputDir = tempDir();
  const sink = new MemorySink();
  const model = mlp(4);
  const trainer = new Trainer({
    model,
    args: trainingArgs({ per_device_train_batch_size: 8, num_train_epochs: 4, learning_rate: 0.02, eval_strategy: 'epoch', save_strategy: 'epoch', save_total_limit: 1, load_best_model_at_end: true, metric_for_best_model: 'accuracy', logging_strategy: 'epoch', output_dir: outputDir }),
    trainDataset: tabularDataset(64, 7),
    evalDataset: tabularDataset(32, 8),
    metricNames: ['accuracy'],
    events: sink,
  });
  await trainer.train();
  const evals = sink.events.filter((e) => e.type === 'eval');
  assert.equal(evals.length, 4);
  for (const e of evals) assert.ok(e.type === 'eval' && e.metrics.eval_accuracy >= 0 && e.metrics.eval_accuracy <= 1);
  const best = trainer.state.bestModelCheckpoint;
  assert.ok(best, 'a best checkpoint is recorded');
  const kept = listCheckpoints(outputDir);
  assert.ok(kept.includes(best), 'rotation keeps the best checkpoint');
  assert.ok(kept.length <= 2);
  const state = JSON.parse(readFileSync(join(kept.at(-1) as string, 'trainer_state.json'), 'utf8'));
  assert.equal(state.best_model_checkpoint, best);
  assert.ok(Array.isArray(state.log_history) && state.log_history.some((e: { eval_accuracy?: number }) => e.eval_accuracy !== undefined));
  // The weights now are the best checkpoint's: evaluating gives the best metric again.
  const metrics = await trainer.evaluate();
  assert.ok(Math.abs(metrics.eval_accuracy - (trainer.state.bestMetric ?? -1)) < 1e-9);
  model.dispose();
});

test('early stopping ends the run after `patience` evaluations without improvement', async () => {
  const model = mlp(4);
  const trainer = new Trainer({
    model,
    // learning rate ~0: the metric never improves after the first evaluation.
    args: trainingArgs({ per_device_train_batch_size: 16, num_train_epochs: 20, learning_rate: 1e-12, eval_strategy: 'epoch', save_strategy: 'no', early_stopping_patience: 2, early_stopping_threshold: 0.01, output_dir: tempDir() }),
    trainDataset: tabularDataset(32, 9),
    evalDataset: tabularDataset(16, 10),
  });
  await trainer.train();
  assert.equal(trainer.state.logHistory.filter((e) => 'eval_loss' in e).length, 3);
  assert.ok(trainer.state.epoch < 20);
  model.dispose();
});

test('a NaN loss stops the run with a message naming the step', async () => {
  class NanTrainer extends Trainer {
    override computeLoss(model: TrainableModel, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number) {
      const result = super.computeLoss(model, inputs, returnOutputs, numItemsInBatch);
      const loss = Array.isArray(result) ? result[0] : result;
      return this.state.globalStep >= 4 ? tf.mul(loss, Number.NaN) : loss;
    }
  }
  const model = mlp(4);
  const trainer = new NanTrainer({ model, args: trainingArgs({ per_device_train_batch_size: 8, max_steps: 20, logging_steps: 10, save_strategy: 'no', output_dir: tempDir() }), trainDataset: tabularDataset(64, 11) });
  await assert.rejects(trainer.train(), /loss is NaN at step 5/);
  model.dispose();
});

test('a non-scalar loss is refused with a clear message', async () => {
  class VectorLossTrainer extends Trainer {
    override computeLoss(model: TrainableModel, inputs: Inputs) {
      const { labels: _labels, ...features } = inputs;
      return model.forward(features).logits;
    }
  }
  const model = mlp(4);
  const trainer = new VectorLossTrainer({ model, args: trainingArgs({ max_steps: 2, save_strategy: 'no', output_dir: tempDir() }), trainDataset: tabularDataset(16, 12) });
  await assert.rejects(trainer.train(), /must return a scalar loss; it returned a tensor of shape \[8, 3\] at step 1/);
  model.dispose();
});

test('optimizers=(optimizer, scheduler) replaces the defaults, and lr follows the schedule', async () => {
  const model = mlp(4);
  const seen: number[] = [];
  const scheduler = {
    name: 'halving',
    steps: 0,
    currentLr() { return 0.1 / 2 ** this.steps; },
    step() { this.steps += 1; },
    getState() { return { steps: this.steps }; },
    setState(s: Record<string, unknown>) { this.steps = Number(s.steps); },
  };
  const trainer = new Trainer({
    model,
    args: trainingArgs({ max_steps: 4, logging_steps: 1, save_strategy: 'no', output_dir: tempDir() }),
    trainDataset: tabularDataset(64, 13),
    optimizers: [undefined, scheduler],
    callbacks: [{ onLog: ({ logs }) => void seen.push(logs.learning_rate) }],
  });
  await trainer.train();
  assert.deepEqual(seen, [0.05, 0.025, 0.0125, 0.00625]);
  model.dispose();
});

test('a custom loss_kwargs.ignore_index is honoured by the item counts: the logged loss is the mean over counted items', async () => {
  const data = tabularDataset(96, 14); // classes 0..2; class 2 is ignored below
  const model = mlp(12);
  // The first step's batch and the loss the Trainer should log for it, computed directly.
  const rows = epochPermutation(data.size, 42, 0).subarray(0, 16);
  const inputs = data.batch(rows);
  const expected = tf.tidy(() => {
    const { labels, ...features } = inputs;
    return createLoss('CrossEntropy', { ignore_index: 2 })(model.forward(features).logits, labels as tf.Tensor).dataSync()[0];
  });
  tf.dispose(inputs);
  const trainer = new Trainer({
    model,
    args: trainingArgs({ per_device_train_batch_size: 4, gradient_accumulation_steps: 4, max_steps: 1, logging_steps: 1, save_strategy: 'no', seed: 42, output_dir: tempDir() }),
    trainDataset: data,
    lossKwargs: { ignore_index: 2 },
  });
  await trainer.train();
  const logged = trainer.state.logHistory.find((e) => 'loss' in e)?.loss;
  assert.ok(logged !== undefined && Math.abs(logged - expected) < 1e-5, `logged ${logged}, expected ${expected}`);
  model.dispose();
});

test('a stop requested before the first step ends the run without writing an untrained checkpoint', async () => {
  const outputDir = tempDir();
  const model = mlp(4);
  const trainer = new Trainer({ model, args: trainingArgs({ max_steps: 5, output_dir: outputDir }), trainDataset: tabularDataset(32, 15) });
  trainer.requestStop();
  const output = await trainer.train();
  assert.equal(output.status, 'stopped');
  assert.equal(output.globalStep, 0);
  assert.equal(output.stopCheckpoint, undefined);
  assert.deepEqual(listCheckpoints(outputDir), []);
  model.dispose();
});

test('eval_on_start evaluates before the first step: log_history has the baseline at step 0, and it picks no best model', async () => {
  const model = mlp(4);
  const evals: number[] = [];
  const trainer = new Trainer({
    model,
    args: trainingArgs({ per_device_train_batch_size: 16, max_steps: 2, eval_on_start: true, eval_strategy: 'no', save_strategy: 'no', metric_for_best_model: 'loss', output_dir: tempDir() }),
    trainDataset: tabularDataset(32, 5),
    evalDataset: tabularDataset(16, 6),
    callbacks: [{ onEvaluate: ({ state }) => void evals.push(state.globalStep) }],
  });
  const baseline = await trainer.evaluate();
  await trainer.train();
  assert.deepEqual(evals, [0]);
  const first = trainer.state.logHistory[0];
  assert.equal(first.step, 0);
  assert.equal(first.eval_loss, baseline.eval_loss);
  assert.equal(trainer.state.bestMetric, undefined);
  model.dispose();
});

test('resuming with another batch size says what changed and where it resumes, and refuses a position it cannot honour', async () => {
  const data = tabularDataset(512, 16);
  const args = (outputDir: string, batch: number) =>
    trainingArgs({ per_device_train_batch_size: batch, num_train_epochs: 3, logging_steps: 5, save_strategy: 'no', output_dir: outputDir, seed: 5 });
  const stopAt = async (outputDir: string, step: number) => {
    const model = mlp(4);
    const trainer = new Trainer({
      model,
      args: args(outputDir, 16),
      trainDataset: data,
      callbacks: [{ onStepEnd: ({ state }) => void (state.globalStep === step && trainer.requestStop()) }],
    });
    assert.equal((await trainer.train()).status, 'stopped');
    model.dispose();
  };
  const resume = async (outputDir: string, batch: number) => {
    const sink = new MemorySink();
    const model = mlp(4);
    const trainer = new Trainer({ model, args: args(outputDir, batch), trainDataset: data, events: sink });
    try {
      return { output: await trainer.train({ resumeFromCheckpoint: true }), warnings: sink.events.flatMap((e) => (e.type === 'message' && e.level === 'warning' ? [e.text] : [])) };
    } finally {
      model.dispose();
    }
  };

  // The reported case: stopped at step 30 of 96 with batches of 16 (480 examples into the epoch);
  // batches of 64 make 24 steps in all, and 480 is not a whole number of 64-example steps.
  const stuck = tempDir();
  await stopAt(stuck, 30);
  await assert.rejects(resume(stuck, 64), /checkpoint-30 was saved with other batches than this run \(per_device_train_batch_size: 16 → 64\)\. It stopped 480 examples into epoch 1/);

  // 128 examples in: exactly 2 steps of 64, so the run resumes there and says so.
  const honoured = tempDir();
  await stopAt(honoured, 8);
  const { output, warnings } = await resume(honoured, 64);
  assert.equal(output.status, 'completed');
  assert.equal(output.globalStep, 24);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /per_device_train_batch_size: 16 → 64\)\. Resuming at epoch 1, step 2 of 8 in that epoch.*global_step stays 8, the run now ends at step 24/);
});
