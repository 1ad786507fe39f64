/**
 * One training step of our transformers encoder or decoder code, built from a config.json object with random
 * weights (no files), measured by tf.profile: the bytes tfjs holds at the step's peak. The memory
 * plan's activation factors are fitted to these (bench/memory-fit.ts).
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
import { causalLmLoss } from '../src/trainer/losses/causal';
import { IGNORE_INDEX } from '../src/trainer/data/labels';
import { HfCausalLmModel } from '../src/trainer/models/hf/causal-lm';
import { readDecoderConfig } from '../src/trainer/models/hf/decoder-config';
import { buildDecoder } from '../src/trainer/models/hf/decoders';
import { LoraAdapters } from '../src/trainer/models/hf/lora';
import { resolveLora } from '../src/trainer/models/hf/peft-config';

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

/** A model to measure: its trainable weights, its inputs and the loss of one batch. */
interface StepSubject {
  model: FunctionalModel;
  inputs: Record<string, tf.Tensor>;
  labels: tf.Tensor;
  loss: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
}

/** Builds the model, runs `steps` AdamW steps (the first allocates the moments), profiles the last. */
export async function measureEncoderStep(json: Record<string, unknown>, batch: number, length: number, options: { freeze?: string[]; steps?: number } = {}): Promise<StepMeasure> {
  return measureStep(() => {
    const config = readEncoderConfig(json, 'config.json');
    const store = new WeightStore(1, options.freeze ?? []);
    const param = (name: string, shape: number[], kind: ParamKind) =>
      store.add(name, shape, kind === 'norm-weight' ? ones : kind === 'norm-bias' || kind === 'bias' ? zeros : normal(0.02));
    const spec = (config.family === 'distilbert' ? buildDistilBert : buildBertFamily)(config, config.numLabels, param);
    const model = new FunctionalModel(spec, store, 1, {} as never, { numLabels: config.numLabels });
    const ids = tf.tensor2d(
      Array.from({ length: batch * length }, (_, i) => 5 + (i % (config.vocabSize - 5))),
      [batch, length],
      'int32',
    );
    const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % config.numLabels), 'int32');
    const loss = createLoss('CrossEntropy');
    return { model, inputs: { input_ids: ids }, labels, loss: (logits, y) => loss(logits, y) as tf.Scalar };
  }, options.steps);
}

export interface DecoderStepOptions {
  steps?: number;
  gradientCheckpointing?: boolean;
  /** LoRA adapters (PEFT's defaults otherwise: alpha 8, no dropout, the model type's default targets). */
  lora?: { r: number; targetModules?: string[] };
}

/** One AdamW step of our decoder code (GPT-2 / Llama family) as the Trainer runs it: causal LM loss over shifted labels. */
export async function measureDecoderStep(json: Record<string, unknown>, batch: number, length: number, options: DecoderStepOptions = {}): Promise<StepMeasure> {
  return measureStep(() => {
    const config = readDecoderConfig(json, 'config.json');
    const store = new WeightStore(1, []);
    const base = (name: string, shape: number[], kind: ParamKind) =>
      store.add(name, shape, kind === 'norm-weight' ? ones : kind === 'norm-bias' || kind === 'bias' ? zeros : normal(0.02));
    const settings = options.lora ? resolveLora({ r: options.lora.r, ...(options.lora.targetModules ? { target_modules: options.lora.targetModules } : {}) }, config.modelType, 'CAUSAL_LM', 'bench') : undefined;
    const lora = settings ? new LoraAdapters(settings, ['lm_head'], store) : undefined;
    const network = buildDecoder(config, lora ? lora.factory(base) : base);
    if (lora) for (const { name, variable } of store.all()) variable.trainable = lora.isTrainable(name);
    const model = new HfCausalLmModel(network, store, 1, { checkpoint: config, rawConfig: json, sourceDir: '', transposedOnDisk: new Set() });
    if (options.gradientCheckpointing) model.enableGradientCheckpointing(true);
    const tokens = Array.from({ length: batch * length }, (_, i) => 3 + ((i * 7) % (config.vocabSize - 3)));
    const ids = tf.tensor2d(tokens, [batch, length], 'int32');
    const mask = tf.ones([batch, length]);
    const labels = tf.tensor2d(tokens, [batch, length], 'int32');
    const loss = causalLmLoss(createLoss('CrossEntropy'), IGNORE_INDEX);
    return { model, inputs: { input_ids: ids, attention_mask: mask }, labels, loss: (logits, y) => loss(logits, y) as tf.Scalar };
  }, options.steps);
}

async function measureStep(build: () => StepSubject, steps = 2): Promise<StepMeasure> {
  // Metered from before the model exists, so every buffer's size is known when it is freed.
  const meter = tf.getBackend() === 'wasm' ? new WasmHeapMeter() : undefined;
  const { model, inputs, labels, loss } = build();
  const weights = model.trainableWeights();
  const optimizer = createOptimizer(
    { optim: 'adamw_torch', learning_rate: 1e-5, weight_decay: 0.01, adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8 },
    weights,
  );
  const variables = weights.map((w) => w.variable);
  const byVariable = new Map(weights.map((w) => [w.variable.name, w.name]));
  const phases = { backward: 0, norm: 0, update: 0 };
  const step = (i: number) => {
    const inMode = new ModelInMode(model, true, i);
    const { value, grads } = tf.variableGrads(() => loss(inMode.forward(inputs).logits, labels), variables);
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
  tf.dispose([...Object.values(inputs), labels]);
  optimizer.dispose();
  model.dispose();
  meter?.dispose();
  return measure;
}
