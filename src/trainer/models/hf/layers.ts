/**
 * The layers every transformers architecture here is built from. `linear` is the one place a torch
 * Linear is created, so whatever wraps Linears (LoRA adapters) wraps every architecture at once.
 */
import * as tf from '@tensorflow/tfjs';
import * as fused from '../../backends/fused';
import type { Activation } from './config';

/**
 * How a weight is initialised when the checkpoint lacks it, and whether it is a torch Linear weight.
 * `lora-a` / `lora-b` are a LoRA adapter's A [in, r] and B [r, out], made by the adapter's factory.
 */
export type ParamKind = 'linear' | 'bias' | 'embedding' | 'norm-weight' | 'norm-bias' | 'lora-a' | 'lora-b';

export type Layer = (x: tf.Tensor) => tf.Tensor;

/**
 * Wraps a torch Linear named `name` (e.g. with a LoRA adapter); returns `base` itself when it leaves
 * the layer alone. `kernel` is the Linear's weight, held [in, out]; new weights are made through
 * `param` (the factory the Linear was built with), so gradient checkpointing sees them too.
 */
export type LinearAdapter = (name: string, inDim: number, outDim: number, base: Layer, kernel: tf.Variable, param: ParamFactory) => Layer;

/**
 * Creates the named variable (from the checkpoint, or initialised as transformers would). Every weight
 * of a model is made through one: gradient checkpointing recomputes a block with respect to exactly the
 * variables its factory created, so a weight made elsewhere would get no gradient there. A loader may
 * attach `adaptLinear`, which every `linear` built through this factory passes through; a factory that
 * wraps another keeps it (see `wrapFactory`).
 */
export interface ParamFactory {
  (name: string, shape: number[], kind: ParamKind): tf.Variable;
  adaptLinear?: LinearAdapter;
}

export interface LinearOptions {
  /** torch's `bias=False` (Llama's projections): no `.bias` weight at all. */
  bias?: boolean;
}

/** A torch Linear named `name` (`name.weight` held [in, out], `name.bias`), over the last axis of any rank. */
export function linear(param: ParamFactory, name: string, inDim: number, outDim: number, options: LinearOptions = {}): Layer {
  const kernel = param(`${name}.weight`, [inDim, outDim], 'linear');
  const bias = options.bias === false ? undefined : param(`${name}.bias`, [outDim], 'bias');
  const layer: Layer = (x) => {
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    const product = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
    const out = bias ? tf.add(product, bias) : product;
    return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), outDim]);
  };
  return param.adaptLinear ? param.adaptLinear(name, inDim, outDim, layer, kernel, param) : layer;
}

/** A factory that runs `make` and keeps `inner`'s adaptLinear (e.g. one that also records what it made). */
export function wrapFactory(inner: ParamFactory, make: (name: string, shape: number[], kind: ParamKind) => tf.Variable): ParamFactory {
  const factory: ParamFactory = make;
  if (inner.adaptLinear) factory.adaptLinear = inner.adaptLinear;
  return factory;
}

/** torch LayerNorm `name` (`.weight`, `.bias`) over the last axis. */
export function norm(param: ParamFactory, name: string, dim: number, eps: number): Layer {
  const gamma = param(`${name}.weight`, [dim], 'norm-weight');
  const beta = param(`${name}.bias`, [dim], 'norm-bias');
  return (x) => fused.layerNorm(x, gamma, beta, eps);
}

/** Llama's RMSNorm `name` (`.weight` only): x / sqrt(mean(x²) + eps) · weight, in float32 as transformers computes it. */
export function rmsNorm(param: ParamFactory, name: string, dim: number, eps: number): Layer {
  const weight = param(`${name}.weight`, [dim], 'norm-weight');
  return (x) => fused.rmsNorm(x, weight, eps);
}

/** act(gate)·up, Llama's MLP: SiLU goes through the fused SwiGLU op. */
export function gatedActivate(gate: tf.Tensor, up: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'silu' ? fused.swiGlu(gate, up) : tf.mul(activate(gate, activation), up);
}

/** transformers' ACT2FN for the activations the supported configs name. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'gelu': // exact: x·Φ(x) with erf, as torch.nn.functional.gelu
      return fused.gelu(x, 'none');
    case 'gelu_new':
      return fused.gelu(x, 'tanh');
    case 'relu':
      return tf.relu(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
  }
}
