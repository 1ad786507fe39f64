/**
 * The two ways a bench cell trains: our Trainer, and a bare tfjs loop over the same model, loss
 * and optimizer (tf.variableGrads + applyGradients, nothing else). The bare loop can add single
 * pieces of the Trainer's step (the dataset batch() copy, gradient clipping) to attribute its
 * overhead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { gradNormAndClipCoefficient } from '../src/trainer/gradients';
import { IGNORE_INDEX } from '../src/trainer/data/labels';
import { createLoss } from '../src/trainer/losses';
import { causalLmLoss } from '../src/trainer/losses/causal';
import { createOptimizer } from '../src/trainer/optimizers';
import { epochPermutation, mixSeed } from '../src/trainer/random';
import { Trainer } from '../src/trainer/trainer';
import type { Inputs } from '../src/trainer/types';
import { StepClock, type ClockOptions } from './trainer-clock';
import { SEED, trainingArgs, type BenchModel } from './trainer-setup';

export interface LoopOptions extends ClockOptions {
  /** 1 on synchronous backends; on asynchronous ones a unit is this many steps closed by a read. */
  stepsPerUnit: number;
}

export interface Timing {
  /** Median milliseconds per optimizer step. */
  stepMs: number;
  /** Median CPU milliseconds per step (this process, all threads). */
  cpuStepMs: number;
  timedSteps: number;
  /** Tensors alive after the run minus before it (0 when nothing leaks). */
  leakedTensors: number;
}

/** Pieces of the Trainer's step a bare loop may add. */
export interface BareExtras {
  /** Copy each batch out of the dataset (BlockDataset.batch) instead of cycling prebuilt tensors. */
  batchCopy: boolean;
  /** Gradient clipping at max_grad_norm (HF default 1), folded into the optimizer as the Trainer does. */
  clip: boolean;
}

/** A read that completes only when every queued step has run (the last weight is updated last). */
function makeSync(bench: BenchModel): () => Promise<void> {
  const weights = bench.model.trainableWeights();
  const last = weights[weights.length - 1].variable;
  return async () => {
    await last.data();
  };
}

function timing(clock: StepClock, options: LoopOptions, tensorsBefore: number): Timing {
  return {
    stepMs: clock.medianMs() / options.stepsPerUnit,
    cpuStepMs: clock.medianCpuMs() / options.stepsPerUnit,
    timedSteps: clock.timedUnits * options.stepsPerUnit,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
  };
}

export async function runTrainer(bench: BenchModel, options: LoopOptions): Promise<Timing> {
  const tensorsBefore = tf.memory().numTensors;
  const outputDir = mkdtempSync(join(tmpdir(), 'fts-bench-'));
  const clock = new StepClock(options);
  const sync = makeSync(bench);
  const trainer = new Trainer({
    model: bench.model,
    args: trainingArgs(bench.batchSize, outputDir),
    trainDataset: bench.dataset,
    callbacks: [
      {
        onStepEnd: async ({ state, control }) => {
          if (options.stepsPerUnit > 1) {
            if (state.globalStep % options.stepsPerUnit !== 0) return;
            await sync();
          }
          if (!clock.tick()) control.shouldTrainingStop = true;
        },
      },
    ],
  });
  try {
    await trainer.train();
  } finally {
    trainer.optimizer?.dispose();
    rmSync(outputDir, { recursive: true, force: true });
  }
  return timing(clock, options, tensorsBefore);
}

/** A few distinct batches built once, cycled by the plain bare loop. */
const PREBUILT_BATCHES = 8;

export async function runBare(bench: BenchModel, options: LoopOptions, extras: BareExtras): Promise<Timing> {
  const tensorsBefore = tf.memory().numTensors;
  const { model, dataset, batchSize } = bench;
  const args = trainingArgs(bench.batchSize, tmpdir());
  const optimizer = createOptimizer(args, model.trainableWeights());
  // A causal LM's loss shifts the labels, as the Trainer's does (losses/causal.ts).
  const loss = model.lossShiftsLabels ? causalLmLoss(createLoss('CrossEntropy', {}), IGNORE_INDEX) : createLoss('CrossEntropy', {});
  const weights = model.trainableWeights();
  const variables = weights.map((w) => w.variable);
  const weightName = new Map(weights.map((w) => [w.variable.name, w.name]));
  const order = epochPermutation(dataset.size, SEED, 0);
  const batchRows = (i: number): Int32Array => {
    const start = (i * batchSize) % (dataset.size - batchSize + 1);
    return order.subarray(start, start + batchSize);
  };
  const prebuilt: Inputs[] = extras.batchCopy ? [] : Array.from({ length: PREBUILT_BATCHES }, (_, i) => dataset.batch(batchRows(i)));
  const clock = new StepClock(options);
  const sync = makeSync(bench);
  try {
    for (let step = 0; ; step++) {
      const inputs = extras.batchCopy ? dataset.batch(batchRows(step)) : prebuilt[step % PREBUILT_BATCHES];
      const { labels, ...features } = inputs;
      const seed = mixSeed(SEED, step);
      const { value, grads } = tf.variableGrads(
        () => loss(model.forward(features, { training: true, seed }).logits, labels as tf.Tensor, { numItemsInBatch: bench.itemsPerBatch }) as tf.Scalar,
        variables,
      );
      const named: Record<string, tf.Tensor> = {};
      for (const [name, grad] of Object.entries(grads)) named[weightName.get(name) ?? name] = grad;
      if (extras.clip) {
        // As the Trainer clips: the coefficient is folded into the optimizer's update.
        const { norm, coefficient } = gradNormAndClipCoefficient(named, args.max_grad_norm);
        optimizer.applyGradients(named, coefficient ? { scale: coefficient } : undefined);
        tf.dispose([norm, ...(coefficient ? [coefficient] : [])]);
      } else {
        optimizer.applyGradients(named);
      }
      tf.dispose([...Object.values(named), value]);
      if (extras.batchCopy) tf.dispose(inputs);
      if (options.stepsPerUnit > 1) {
        if ((step + 1) % options.stepsPerUnit !== 0) continue;
        await sync();
      }
      if (!clock.tick()) break;
    }
  } finally {
    for (const inputs of prebuilt) tf.dispose(inputs);
    optimizer.dispose();
  }
  return timing(clock, options, tensorsBefore);
}
