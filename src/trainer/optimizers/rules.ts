/**
 * torch.optim update rules (single-tensor, non-fused, maximize=False, no amsgrad), one class each.
 * Scalars are computed in float64 JS and enter the graph as float32 constants.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedWeight } from '../types';
import { webgpuAdam } from '../backends/kernels/webgpu-fused/optimizer';
import { fusedAdam } from './native-adam';
import { SlotOptimizer, type UpdateContext } from './slot-optimizer';

type DecayOf = (weightName: string) => number;

/** The gradient times the clipping coefficient (a separate pass; Adam folds the coefficient instead). */
function scaled(grad: tf.Tensor, gradScale: tf.Scalar | undefined): tf.Tensor {
  return gradScale ? tf.mul(grad, gradScale) : grad;
}

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  /** true: AdamW's decoupled decay (p *= 1 - lr·wd). false: Adam's L2 (grad += wd·p). */
  decoupled: boolean;
}

/** torch.optim.AdamW / torch.optim.Adam. Slots: exp_avg, exp_avg_sq. */
export class AdamOptimizer extends SlotOptimizer {
  constructor(name: string, lr: number, weights: readonly NamedWeight[], decayOf: DecayOf, private readonly s: AdamSettings) {
    super(name, lr, weights, [{ name: 'exp_avg', initialValue: 0 }, { name: 'exp_avg_sq', initialValue: 0 }], decayOf);
  }

  /**
   * With the native addon: one fused pass over every weight (./native-adam.ts); on webgpu: one WGSL
   * dispatch per weight, in place (backends/kernels/webgpu-fused/optimizer.ts). Same float32 math.
   */
  protected override updateAll(contexts: readonly UpdateContext[], gradScale: tf.Scalar | undefined): boolean {
    if (fusedAdam(contexts, gradScale, this.s)) return true;
    const steps = contexts.map((c) => ({ ...c, expAvg: c.slots.exp_avg, expAvgSq: c.slots.exp_avg_sq }));
    return webgpuAdam(steps, gradScale, this.s);
  }

  protected update({ param, grad, slots, step, lr, weightDecay, gradScale }: UpdateContext): void {
    const { beta1, beta2, eps, decoupled } = this.s;
    let p: tf.Tensor = param;
    let g = grad;
    // The clipping coefficient c enters the moments as (1-β1)·c·g and (1-β2)·c²·g², scalars the
    // update multiplies by anyway, so clipping costs no pass over the gradients. Adam's L2 decay
    // is added to the clipped gradient, so there the gradient is scaled first.
    let scale: tf.Scalar | undefined = gradScale;
    if (weightDecay !== 0) {
      if (decoupled) p = tf.mul(p, 1 - lr * weightDecay);
      else {
        g = tf.add(scaled(g, scale), tf.mul(p, weightDecay));
        scale = undefined;
      }
    }
    const mFactor = scale ? tf.mul(scale, 1 - beta1) : 1 - beta1;
    const vFactor = scale ? tf.mul(tf.square(scale), 1 - beta2) : 1 - beta2;
    const m = tf.add(tf.mul(slots.exp_avg, beta1), tf.mul(g, mFactor));
    const v = tf.add(tf.mul(slots.exp_avg_sq, beta2), tf.mul(tf.square(g), vFactor));
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const denom = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), eps);
    slots.exp_avg.assign(m);
    slots.exp_avg_sq.assign(v);
    param.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / biasCorrection1)));
  }
}

export interface SgdSettings {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/** torch.optim.SGD with L2 weight decay. Slot (only with momentum): momentum_buffer. */
export class SgdOptimizer extends SlotOptimizer {
  constructor(lr: number, weights: readonly NamedWeight[], decayOf: DecayOf, private readonly s: SgdSettings) {
    super('sgd', lr, weights, s.momentum !== 0 ? [{ name: 'momentum_buffer', initialValue: 0 }] : [], decayOf);
    if (s.nesterov && (s.momentum <= 0 || s.dampening !== 0)) {
      throw new Error('sgd: nesterov needs momentum > 0 and dampening = 0 (as torch). Set optim_args: "momentum=0.9,nesterov=true".');
    }
  }

  protected update({ param, grad: rawGrad, slots, step, lr, weightDecay, gradScale }: UpdateContext): void {
    const { momentum, dampening, nesterov } = this.s;
    const grad = scaled(rawGrad, gradScale);
    let d = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    if (momentum !== 0) {
      // torch starts the buffer at the first gradient, undamped.
      const buf = step === 1 ? d : tf.add(tf.mul(slots.momentum_buffer, momentum), tf.mul(d, 1 - dampening));
      slots.momentum_buffer.assign(buf);
      d = nesterov ? tf.add(d, tf.mul(buf, momentum)) : buf;
    }
    param.assign(tf.sub(param, tf.mul(d, lr)));
  }
}

export interface AdagradSettings {
  lrDecay: number;
  eps: number;
  initialAccumulatorValue: number;
}

/** torch.optim.Adagrad. Slot: sum. */
export class AdagradOptimizer extends SlotOptimizer {
  constructor(lr: number, weights: readonly NamedWeight[], decayOf: DecayOf, private readonly s: AdagradSettings) {
    super('adagrad', lr, weights, [{ name: 'sum', initialValue: s.initialAccumulatorValue }], decayOf);
  }

  protected update({ param, grad: rawGrad, slots, step, lr, weightDecay, gradScale }: UpdateContext): void {
    const grad = scaled(rawGrad, gradScale);
    const g = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const clr = lr / (1 + (step - 1) * this.s.lrDecay);
    const sum = tf.add(slots.sum, tf.square(g));
    slots.sum.assign(sum);
    param.assign(tf.sub(param, tf.mul(tf.div(g, tf.add(tf.sqrt(sum), this.s.eps)), clr)));
  }
}

export interface RmspropSettings {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
}

/** torch.optim.RMSprop. Slots: square_avg, plus momentum_buffer and grad_avg when used. */
export class RmspropOptimizer extends SlotOptimizer {
  constructor(lr: number, weights: readonly NamedWeight[], decayOf: DecayOf, private readonly s: RmspropSettings) {
    super(
      'rmsprop',
      lr,
      weights,
      [
        { name: 'square_avg', initialValue: 0 },
        ...(s.momentum > 0 ? [{ name: 'momentum_buffer', initialValue: 0 }] : []),
        ...(s.centered ? [{ name: 'grad_avg', initialValue: 0 }] : []),
      ],
      decayOf,
    );
  }

  protected update({ param, grad: rawGrad, slots, lr, weightDecay, gradScale }: UpdateContext): void {
    const { alpha, eps, momentum, centered } = this.s;
    const grad = scaled(rawGrad, gradScale);
    const g = weightDecay !== 0 ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const squareAvg = tf.add(tf.mul(slots.square_avg, alpha), tf.mul(tf.square(g), 1 - alpha));
    slots.square_avg.assign(squareAvg);
    let variance: tf.Tensor = squareAvg;
    if (centered) {
      const gradAvg = tf.add(tf.mul(slots.grad_avg, alpha), tf.mul(g, 1 - alpha));
      slots.grad_avg.assign(gradAvg);
      variance = tf.sub(squareAvg, tf.square(gradAvg));
    }
    const avg = tf.add(tf.sqrt(variance), eps);
    if (momentum > 0) {
      const buf = tf.add(tf.mul(slots.momentum_buffer, momentum), tf.div(g, avg));
      slots.momentum_buffer.assign(buf);
      param.assign(tf.sub(param, tf.mul(buf, lr)));
    } else {
      param.assign(tf.sub(param, tf.mul(tf.div(g, avg), lr)));
    }
  }
}
