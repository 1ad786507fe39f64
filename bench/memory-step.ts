/**
 * One training step of our transformers encoder code, built from a config.json object with random
 * weights (no files), measured by tf.profile: the bytes tfjs holds at the step's peak. The memory
 * plan's activation factors are fitted to these (bench/memory.ts --calibrate).
 */
import * as tf from '@tensorflow/tfjs';
import { createLoss } from '../src/trainer/losses';
import { FunctionalModel } from '../src/trainer/models/functional-model';
import { buildBertFamily, buildDistilBert } from '../src/trainer/models/hf/encoders';
import { readEncoderConfig } from '../src/trainer/models/hf/config';
import type { ParamKind } from '../src/trainer/models/hf/layers';
import { normal, ones, zeros } from '../src/trainer/models/init';
import { WeightStore } from '../src/trainer/models/weights';
import { ModelInMode } from '../src/trainer/model-mode';
import { createOptimizer } from '../src/trainer/optimizers';
import { gradNormAndClipCoefficient } from '../src/trainer/gradients';

interface WasmModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}

/**
 * Live bytes tfjs has allocated in the wasm heap, and their high-water mark, by wrapping the
 * backend's _malloc/_free (tf.memory().numBytes counts a reshaped view again, so it overstates).
 */
export class WasmHeapMeter {
  private readonly sizes = new Map<number, number>();
  live = 0;
  peak = 0;
  private readonly wasm: WasmModule;
  private readonly malloc: WasmModule['_malloc'];
  private readonly free: WasmModule['_free'];

  constructor() {
    this.wasm = (tf.backend() as unknown as { wasm: WasmModule }).wasm;
    // Emscripten's _malloc/_free start as stubs that replace themselves on first call (which would
    // drop a wrapper): call each once so the real functions are in place before wrapping.
    this.wasm._free(this.wasm._malloc(16));
    this.malloc = this.wasm._malloc;
    this.free = this.wasm._free;
    this.wasm._malloc = (bytes) => {
      const pointer = this.malloc(bytes);
      this.sizes.set(pointer >>> 0, bytes);
      this.live += bytes;
      if (this.live > this.peak) this.peak = this.live;
      return pointer;
    };
    this.wasm._free = (pointer) => {
      this.live -= this.sizes.get(pointer >>> 0) ?? 0;
      this.sizes.delete(pointer >>> 0);
      this.free(pointer);
    };
  }

  /** Starts a new high-water mark from the live bytes now. */
  resetPeak(): void {
    this.peak = this.live;
  }

  /** The wasm memory's size: it grows and never shrinks, so this is the heap's high-water mark. */
  heapBytes(): number {
    return this.wasm.HEAPU8.buffer.byteLength;
  }

  dispose(): void {
    this.wasm._malloc = this.malloc;
    this.wasm._free = this.free;
  }
}

export interface StepMeasure {
  /** tfjs bytes before the step (weights, and optimizer state after a first step). */
  before: number;
  /** Peak tfjs bytes during the step, and its increase over `before`. */
  peak: number;
  /** On wasm: the most bytes tfjs had allocated in the heap at once (weights, state and the step), and the heap's size. */
  heapAbsolutePeak: number;
  heapSize: number;
  /** On wasm: the most bytes tfjs had allocated in the heap during the step, over `before`. */
  heapPeak: number;
  /** On wasm: the peaks of the backward pass, the gradient norm and the optimizer update (each counts the gradients). */
  phases: { backward: number; norm: number; update: number };
  params: number;
  trainable: number;
}

/** Builds the model, runs `steps` AdamW steps (the first allocates the moments), profiles the last. */
export async function measureEncoderStep(json: Record<string, unknown>, batch: number, length: number, options: { freeze?: string[]; steps?: number } = {}): Promise<StepMeasure> {
  // Metered from before the model exists, so every buffer's size is known when it is freed.
  const meter = tf.getBackend() === 'wasm' ? new WasmHeapMeter() : undefined;
  const config = readEncoderConfig(json, 'config.json');
  const store = new WeightStore(1, options.freeze ?? []);
  const param = (name: string, shape: number[], kind: ParamKind) =>
    store.add(name, shape, kind === 'norm-weight' ? ones : kind === 'norm-bias' || kind === 'bias' ? zeros : normal(0.02));
  const spec = (config.family === 'distilbert' ? buildDistilBert : buildBertFamily)(config, config.numLabels, param);
  const model = new FunctionalModel(spec, store, 1, {} as never, { numLabels: config.numLabels });
  const loss = createLoss('CrossEntropy');
  const weights = model.trainableWeights();
  const optimizer = createOptimizer(
    { optim: 'adamw_torch', learning_rate: 1e-5, weight_decay: 0.01, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8 },
    weights,
  );
  const variables = weights.map((w) => w.variable);
  const byVariable = new Map(weights.map((w) => [w.variable.name, w.name]));
  const ids = tf.tensor2d(
    Array.from({ length: batch * length }, (_, i) => 5 + (i % (config.vocabSize - 5))),
    [batch, length],
    'int32',
  );
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % config.numLabels), 'int32');
  const phases = { backward: 0, norm: 0, update: 0 };
  const step = (i: number) => {
    const inMode = new ModelInMode(model, true, i);
    const { value, grads } = tf.variableGrads(() => loss(inMode.forward({ input_ids: ids }).logits, labels) as tf.Scalar, variables);
    phases.backward = Math.max(phases.backward, meter?.peak ?? 0);
    meter?.resetPeak();
    const named = Object.fromEntries(Object.entries(grads).map(([k, g]) => [byVariable.get(k) ?? k, g]));
    const { norm, coefficient } = gradNormAndClipCoefficient(named, 1);
    phases.norm = Math.max(phases.norm, meter?.peak ?? 0);
    meter?.resetPeak();
    optimizer.applyGradients(named, coefficient ? { scale: coefficient } : undefined);
    phases.update = Math.max(phases.update, meter?.peak ?? 0);
    tf.dispose([value, norm, ...Object.values(named), ...(coefficient ? [coefficient] : [])]);
  };
  const steps = options.steps ?? 2;
  for (let i = 0; i < steps - 1; i++) step(i);
  const before = tf.memory().numBytes;
  const baseline = meter?.live ?? 0;
  for (const key of ['backward', 'norm', 'update'] as const) phases[key] = 0;
  meter?.resetPeak();
  // tf.profile only where no meter is: its kernel records may hold on to tensors.
  const profile = meter ? undefined : await tf.profile(() => step(steps));
  if (meter) step(steps);

  const count = (list: { variable: tf.Variable }[]) => list.reduce((n, w) => n + w.variable.size, 0);
  const measure = { before, peak: profile?.peakBytes ?? 0, heapAbsolutePeak: meter ? Math.max(phases.backward, phases.norm, phases.update) : 0, heapSize: meter?.heapBytes() ?? 0, heapPeak: meter ? Math.max(phases.backward, phases.norm, phases.update) - baseline : 0, phases: { backward: phases.backward - baseline, norm: phases.norm - baseline, update: phases.update - baseline }, params: count(model.weights()), trainable: count(weights) };
  tf.dispose([ids, labels]);
  optimizer.dispose();
  model.dispose();
  meter?.dispose();
  return measure;
}
