/**
 * LoRA adapters on the torch Linears that `linear` builds, with PEFT's math:
 * y = base(x) + B(A(dropout(x))) · scaling, A kaiming-uniform (a=√5) and B zeros by default.
 * A is held [in, r] and B [r, out] (files hold PEFT's [r, in] and [out, r]), named
 * `<module>.lora_A.weight` / `<module>.lora_B.weight` beside the module's own weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { FunctionalModelSpec } from '../functional-model';
import { normal, zeros, type Initializer } from '../init';
import type { DropoutContext } from '../ops';
import type { WeightStore } from '../weights';
import type { Layer, LinearAdapter, ParamFactory } from './layers';
import { moduleToSaveOf, selectTargets, type LoraSettings } from './peft-config';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** torch's kaiming_uniform_(a=√5) on a Linear weight with `fanIn` inputs: U(-1/√fanIn, 1/√fanIn). */
function kaimingUniformA5(fanIn: number): Initializer {
  const bound = 1 / Math.sqrt(fanIn);
  return (shape, random) => {
    const values = new Float32Array(size(shape));
    for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * bound;
    return values;
  };
}

interface Adapter {
  module: string;
  a: tf.Variable;
  b: tf.Variable;
  kernel: tf.Variable;
  bias: string;
}

/**
 * The adapters of one model: created while the builder runs (through `adaptLinear`), then asked
 * which weights train, merged into the base kernels, or dropped.
 */
export class LoraAdapters {
  /** Every linear module the builder made, adapted or not (for diagnostics and all-linear). */
  readonly linearModules: string[] = [];
  private readonly adapters: Adapter[] = [];
  private dropout: DropoutContext | undefined;
  private merged = false;

  constructor(
    readonly settings: LoraSettings,
    /** Modules that all-linear leaves out: the output head. */
    private readonly outputHeads: readonly string[],
    private readonly store: WeightStore,
  ) {}

  /** Module names that got an adapter. */
  get targets(): string[] {
    return this.adapters.map((a) => a.module);
  }

  /** Names of the adapter weights (A then B per module), for saving and the transposed layout on disk. */
  adapterWeightNames(): string[] {
    return this.adapters.flatMap((a) => [`${a.module}.lora_A.weight`, `${a.module}.lora_B.weight`]);
  }

  readonly adaptLinear: LinearAdapter = (name, inDim, outDim, base, kernel, param) => {
    this.linearModules.push(name);
    if (selectTargets(this.settings, [name], this.outputHeads).length === 0) return base;
    const a = param(`${name}.lora_A.weight`, [inDim, this.settings.r], 'lora-a');
    const b = param(`${name}.lora_B.weight`, [this.settings.r, outDim], 'lora-b');
    this.adapters.push({ module: name, a, b, kernel, bias: `${name}.bias` });
    const { scaling, loraDropout } = this.settings;
    const adapted: Layer = (x) => {
      const y = base(x);
      if (this.merged) return y;
      const input = this.dropout ? this.dropout.apply(x, loraDropout) : x;
      const flat = input.rank === 2 ? input : tf.reshape(input, [-1, inDim]);
      const update = tf.mul(tf.matMul(tf.matMul(flat as tf.Tensor2D, a as tf.Tensor2D), b as tf.Tensor2D), scaling);
      return tf.add(y, input.rank === 2 ? update : tf.reshape(update, [...x.shape.slice(0, -1), outDim]));
    };
    return adapted;
  };

  /**
   * The loader's factory with the adapters on it: `lora-a` / `lora-b` weights are initialised here
   * (PEFT's init_lora_weights), everything else comes from `param`.
   */
  factory(param: ParamFactory): ParamFactory {
    const { r, initLoraWeights } = this.settings;
    const factory: ParamFactory = (name, shape, kind) => {
      if (kind === 'lora-a') return this.store.add(name, shape, initLoraWeights === 'gaussian' ? normal(1 / r) : kaimingUniformA5(shape[0]));
      if (kind === 'lora-b') return this.store.add(name, shape, initLoraWeights === false ? kaimingUniformA5(r) : zeros);
      return param(name, shape, kind);
    };
    factory.adaptLinear = this.adaptLinear;
    return factory;
  }

  /**
   * Runs `run` with `dropout` as the adapters' dropout context. Nests: a decoder block runs under its
   * own child context, so that gradient checkpointing's recomputation of the block (which runs it
   * again under a fresh child with the same seed) draws the adapters' masks of the forward pass.
   */
  readonly during = <T>(dropout: DropoutContext, run: () => T): T => {
    const outer = this.dropout;
    this.dropout = dropout;
    try {
      return run();
    } finally {
      this.dropout = outer;
    }
  };

  /** The spec with the forward's dropout context visible to the adapters while it runs. */
  wrap(spec: FunctionalModelSpec): FunctionalModelSpec {
    return { ...spec, body: (inputs, dropout) => this.during(dropout, () => spec.body(inputs, dropout)) };
  }

  /** Whether the weight trains under PEFT's rules: adapters, modules_to_save, and biases per `bias`. */
  isTrainable(name: string): boolean {
    if (/\.lora_[AB]\.weight$/.test(name)) return true;
    if (moduleToSaveOf(this.settings, name) !== undefined) return true;
    if (!name.endsWith('.bias')) return false;
    if (this.settings.bias === 'all') return true;
    return this.settings.bias === 'lora_only' && this.adapters.some((a) => a.bias === name);
  }

  isModuleToSave(name: string): boolean {
    return moduleToSaveOf(this.settings, name) !== undefined;
  }

  /** Whether the weight is saved in the adapter file: what trains. */
  isSaved(name: string): boolean {
    return this.isTrainable(name);
  }

  /** PEFT's merge_and_unload: W += (A·B)·scaling into every base kernel, then the adapters are dropped. */
  mergeAndUnload(): void {
    if (this.merged) return;
    for (const { a, b, kernel } of this.adapters) {
      tf.tidy(() => kernel.assign(tf.add(kernel, tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), this.settings.scaling))));
    }
    this.store.remove(this.adapterWeightNames());
    this.merged = true;
  }

  get isMerged(): boolean {
    return this.merged;
  }
}

/**
 * Parameters in total and trainable, as PEFT's get_nb_trainable_parameters counts them: with
 * adapters, a module to save is counted twice (PEFT keeps the original beside the trained copy).
 */
export function peftParameterCounts(weights: ReadonlyArray<{ name: string; variable: tf.Variable }>, lora: LoraAdapters | undefined): { total: number; trainable: number } {
  let total = 0;
  let trainable = 0;
  for (const { name, variable } of weights) {
    total += size(variable.shape);
    if (variable.trainable) trainable += size(variable.shape);
    if (lora?.isModuleToSave(name)) total += size(variable.shape);
  }
  return { total, trainable };
}
