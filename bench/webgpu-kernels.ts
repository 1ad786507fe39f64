/**
 * The WebGPU fused kernels against the unfused composites, in one run: each fused op forward +
 * backward, the optimizer step (global-norm clipping + AdamW), and whole training steps of a small
 * BERT and a small Llama, each before (composites, tfjs ops) and after (our WGSL kernels; attention
 * stays the composite in both, see MEASURED).
 *
 * Run: FTS_LAVAPIPE_DIR=/path/to/lavapipe npx tsx bench/webgpu-kernels.ts [--quick]
 * (or with a hardware adapter and no FTS_LAVAPIPE_DIR). Prints a table; asserts nothing.
 * Figures: wall ms and this process's CPU ms per iteration (lavapipe runs shaders on the process's
 * own threads, so CPU ms is the work done even on a busy machine), the median of rounds that
 * alternate composite and fused, each round closed by reading its results back.
 */
import * as tf from '@tensorflow/tfjs';
import * as fused from '../src/trainer/backends/fused';
import { WEBGPU_FUSED_KERNELS, webgpuFusedKernel } from '../src/trainer/backends/kernels/webgpu-fused';
import { gradNormAndClipCoefficient, gradNormComposite } from '../src/trainer/gradients';
import { readDecoderConfig } from '../src/trainer/models/hf/decoder-config';
import { buildDecoder } from '../src/trainer/models/hf/decoders';
import type { ParamFactory } from '../src/trainer/models/hf/layers';
import { DropoutContext } from '../src/trainer/models/ops';
import { AdamOptimizer } from '../src/trainer/optimizers/rules';
import type { UpdateContext } from '../src/trainer/optimizers/slot-optimizer';
import type { NamedWeight } from '../src/trainer/types';
import { QUICK, row, runBeforeAfterBench, smallBertLoss, timeBoth } from './webgpu-before-after';

/**
 * The kernels measured here: every fused op but attention (its own bench is bench/webgpu-attention.ts).
 * With attention's kernel out, the models' attention is the composite, whose softmax is FtsMaskedSoftmax.
 */
const MEASURED = Object.keys(WEBGPU_FUSED_KERNELS).filter((name) => !name.startsWith('FtsAttention'));

/** The composite path: the ops fall back when webgpu has no kernel registered for their names. */
function useFusedKernels(on: boolean): void {
  for (const name of Object.keys(WEBGPU_FUSED_KERNELS).filter((n) => !MEASURED.includes(n))) {
    if (tf.getKernel(name, 'webgpu') !== undefined) tf.unregisterKernel(name, 'webgpu');
  }
  for (const name of MEASURED) {
    const registered = tf.getKernel(name, 'webgpu') !== undefined;
    if (on && !registered) tf.registerKernel(webgpuFusedKernel(name));
    if (!on && registered) tf.unregisterKernel(name, 'webgpu');
  }
}

/** AdamW through tfjs ops, weight by weight (what webgpu ran before the fused step). */
class CompositeAdam extends AdamOptimizer {
  protected override updateAll(contexts: readonly UpdateContext[], gradScale: tf.Scalar | undefined): boolean {
    void contexts;
    void gradScale;
    return false;
  }
}

function seeded(shape: number[], seed: number, lo = -2, hi = 2): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

interface OpCase {
  name: string;
  inputs: () => tf.Tensor[];
  composite: (...xs: tf.Tensor[]) => tf.Tensor;
  fused: (...xs: tf.Tensor[]) => tf.Tensor;
  /** How many leading inputs get gradients. */
  differentiate: number;
}

/** BERT-mini's sizes: 8 sequences of 128 tokens, hidden 256, 4 heads, FFN 1024 (Llama-style MLP 688). */
const ROWS = 8 * 128;
const OPS: OpCase[] = [
  {
    name: 'LayerNorm [1024,256]',
    inputs: () => [seeded([ROWS, 256], 1), seeded([256], 2), seeded([256], 3)],
    composite: (x, g, b) => fused.layerNormComposite(x, g, b, 1e-12),
    fused: (x, g, b) => fused.layerNorm(x, g, b, 1e-12),
    differentiate: 3,
  },
  {
    name: 'RMSNorm [1024,256]',
    inputs: () => [seeded([ROWS, 256], 4), seeded([256], 5)],
    composite: (x, w) => fused.rmsNormComposite(x, w, 1e-6),
    fused: (x, w) => fused.rmsNorm(x, w, 1e-6),
    differentiate: 2,
  },
  {
    name: 'masked softmax [8,4,128,128]',
    inputs: () => [seeded([8, 4, 128, 128], 6), tf.mul(tf.cast(tf.greater(seeded([8, 1, 1, 128], 7, 0, 1), 0.9), 'float32'), -3.4028234663852886e38)],
    composite: (s, m) => fused.maskedSoftmaxComposite(s, m, 0.125),
    fused: (s, m) => fused.maskedSoftmax(s, m, 0.125),
    differentiate: 1,
  },
  {
    name: 'GELU erf [1024,1024]',
    inputs: () => [seeded([ROWS, 1024], 8, -5, 5)],
    composite: (x) => fused.geluComposite(x, 'none'),
    fused: (x) => fused.gelu(x, 'none'),
    differentiate: 1,
  },
  {
    name: 'gelu_new [1024,1024]',
    inputs: () => [seeded([ROWS, 1024], 9, -5, 5)],
    composite: (x) => fused.geluComposite(x, 'tanh'),
    fused: (x) => fused.gelu(x, 'tanh'),
    differentiate: 1,
  },
  {
    name: 'SwiGLU [1024,688]',
    inputs: () => [seeded([ROWS, 688], 10, -5, 5), seeded([ROWS, 688], 11)],
    composite: (g, u) => fused.swiGluComposite(g, u),
    fused: (g, u) => fused.swiGlu(g, u),
    differentiate: 2,
  },
];

/** Forward + backward of Σ op(inputs)·w: the output and the input gradients. */
function forwardBackward(op: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], differentiate: number, w: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const rest = inputs.slice(differentiate);
    const f = (...xs: tf.Tensor[]) => tf.sum(tf.mul(op(...xs, ...rest), w));
    const { value, grads } = tf.valueAndGrads(f)(inputs.slice(0, differentiate));
    return [value, ...grads];
  });
}

async function benchOps(): Promise<string[]> {
  const lines: string[] = [];
  for (const op of OPS) {
    const inputs = op.inputs();
    const w = tf.tidy(() => seeded(op.composite(...inputs).shape, 99));
    const [before, after] = await timeBoth(
      { setup: () => useFusedKernels(false), body: () => forwardBackward(op.composite, inputs, op.differentiate, w) },
      { setup: () => useFusedKernels(true), body: () => forwardBackward(op.fused, inputs, op.differentiate, w) },
      QUICK ? 2 : 4,
    );
    lines.push(row(`${op.name} fwd+bwd`, before, after));
    tf.dispose([...inputs, w]);
  }
  return lines;
}

/** A model's weights, made through a ParamFactory with seeded values. */
function weightStore(): { param: ParamFactory; weights: NamedWeight[] } {
  const weights: NamedWeight[] = [];
  let seed = 1;
  const param: ParamFactory = (name, shape) => {
    const variable = tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', seed++), true, `${name}-${weights.length}-${Math.random()}`);
    weights.push({ name, variable });
    return variable;
  };
  return { param, weights };
}

type LossFn = () => tf.Scalar;

function llamaLoss(param: ParamFactory): LossFn {
  const config = readDecoderConfig(
    { model_type: 'llama', hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 344, vocab_size: 1000 },
    'bench:llama',
  );
  const network = buildDecoder(config, param);
  const ids = tf.randomUniform([8, 64], 0, 1000, 'int32', 7);
  const targets = tf.oneHot(tf.randomUniform([8 * 64], 0, 1000, 'int32', 8), 1000);
  return () => {
    const { logits } = network.decode({ input_ids: ids }, new DropoutContext(false, 1));
    return tf.losses.softmaxCrossEntropy(targets, tf.reshape(logits, [8 * 64, 1000])) as tf.Scalar;
  };
}

/** One training step: forward, backward, clipping at 1.0, AdamW; returns the loss and the norm. */
function trainStep(loss: LossFn, weights: NamedWeight[], optimizer: AdamOptimizer, fusedStep: boolean): tf.Tensor[] {
  const { value, grads } = tf.variableGrads(loss, weights.map((w) => w.variable));
  const named: Record<string, tf.Tensor> = {};
  for (const w of weights) named[w.name] = grads[w.variable.name];
  const { norm, coefficient } = fusedStep ? gradNormAndClipCoefficient(named, 1) : gradNormComposite(named, 1);
  optimizer.applyGradients(named, coefficient ? { scale: coefficient } : undefined);
  tf.dispose([...Object.values(grads), ...(coefficient ? [coefficient] : [])]);
  return [value, norm];
}

async function benchSteps(): Promise<string[]> {
  const lines: string[] = [];
  const settings = { beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: true };
  const iterations = QUICK ? 1 : 2;
  for (const [name, build] of [['BERT 2x128, 8x64 tokens', smallBertLoss], ['Llama 2x128, 8x64 tokens', llamaLoss]] as const) {
    const { param, weights } = weightStore();
    const loss = build(param);
    const adamOf = (fusedStep: boolean) =>
      fusedStep ? new AdamOptimizer('adamw_torch', 1e-4, weights, () => 0.01, settings) : new CompositeAdam('adamw_torch', 1e-4, weights, () => 0.01, settings);
    const composite = adamOf(false);
    const ours = adamOf(true);
    // The optimizer part alone, on fixed gradients of the model's shapes.
    const grads = Object.fromEntries(weights.map((w, i) => [w.name, seeded(w.variable.shape, 100 + i, -1e-2, 1e-2)]));
    const optimizerStep = (optimizer: AdamOptimizer, fusedStep: boolean) => () => {
      const { norm, coefficient } = fusedStep ? gradNormAndClipCoefficient(grads, 1) : gradNormComposite(grads, 1);
      optimizer.applyGradients(grads, coefficient ? { scale: coefficient } : undefined);
      coefficient?.dispose();
      return [norm];
    };
    const optimizerResults = await timeBoth({ setup: () => {}, body: optimizerStep(composite, false) }, { setup: () => {}, body: optimizerStep(ours, true) }, 4);
    tf.dispose(Object.values(grads));
    const results = await timeBoth(
      { setup: () => useFusedKernels(false), body: () => trainStep(loss, weights, composite, false) },
      { setup: () => useFusedKernels(true), body: () => trainStep(loss, weights, ours, true) },
      iterations,
    );
    composite.dispose();
    ours.dispose();
    lines.push(row(`clip + AdamW, ${weights.length} weights (${name.split(',')[0]})`, optimizerResults[0], optimizerResults[1]));
    lines.push(row(`training step: ${name}`, results[0], results[1]));
    tf.dispose(weights.map((w) => w.variable));
  }
  return lines;
}

runBeforeAfterBench([benchOps, benchSteps]);
