/**
 * The optimizer step on webgpu without tfjs ops: the global gradient norm and torch's clip
 * coefficient computed on the GPU (never read back), and AdamW / Adam updating each weight and its
 * two moments in place in one dispatch per weight, all recorded into one command stream.
 *
 * One dispatch per weight rather than one for all: a WebGPU shader binds at most 8 storage buffers
 * unless the device asks for more (tfjs does not), and each weight brings four (weight, gradient,
 * two moments). The tfjs composite runs about fifteen kernels per weight.
 */
import * as tf from '@tensorflow/tfjs';
import { gridFor, makeOutput, runShader, type WebGpuBackendLike } from './runner';
import { ELEMENTS, ENTRY, GROUP, REDUCE, WG, elementGroups } from './wgsl';

/** Elements each thread of the sum-of-squares pass adds before the workgroup reduction (at most). */
const PER_THREAD = 64;
/** Workgroups one gradient's sum of squares uses at most: the partials the final pass adds. */
const MAX_GROUPS = 256;

const SUM_SQUARES = `${REDUCE}
${ENTRY} {
  ${GROUP}
  var s = 0.0;
  for (var i = group * WG + lid; i < u.n; i = i + u.groups * WG) { let v = g[i]; s = s + v * v; }
  let t = total(s, lid);
  if (lid == 0u) { partial[u.offset + group] = t; }
}`;

const NORM = `${REDUCE}
${ENTRY} {
  var s = 0.0;
  for (var i = lid; i < u.slots; i = i + WG) { s = s + partial[i]; }
  let n = sqrt(total(s, lid));
  if (lid == 0u) {
    norm[0] = n;
    // torch: clamp(max_norm / (total_norm + 1e-6), max=1.0)
    coefficient[0] = min(u.maxNorm / (n + 1e-6), 1.0);
  }
}`;

/** The webgpu backend when it is the active one and every tensor is float32; undefined otherwise. */
export function activeWebGpu(tensors: readonly tf.Tensor[]): WebGpuBackendLike | undefined {
  if (tf.getBackend() !== 'webgpu' || tensors.some((t) => t.dtype !== 'float32')) return undefined;
  return tf.backend() as unknown as WebGpuBackendLike;
}

/**
 * The L2 norm of all `grads` together and, when maxNorm > 0, min(1, maxNorm / (norm + 1e-6)), as
 * new scalars on the GPU; undefined when webgpu is not active or a gradient is not float32.
 */
export function webgpuGradNorm(grads: readonly tf.Tensor[], maxNorm: number): { norm: tf.Scalar; coefficient?: tf.Scalar } | undefined {
  const backend = activeWebGpu(grads);
  if (!backend) return undefined;
  const plan = grads.map((g) => Math.max(1, Math.min(MAX_GROUPS, Math.ceil(g.size / (WG * PER_THREAD)))));
  const slots = plan.reduce((a, b) => a + b, 0);
  const partial = makeOutput(backend, [Math.max(1, slots)]);
  let offset = 0;
  grads.forEach((g, i) => {
    const groups = plan[i];
    if (g.size > 0) {
      runShader(backend, {
        key: 'sum-squares',
        body: SUM_SQUARES,
        bindings: [{ tensor: g }, { tensor: partial, write: true }],
        names: ['g', 'partial'],
        uniforms: [
          { name: 'n', type: 'u32', value: g.size },
          { name: 'groups', type: 'u32', value: groups },
          { name: 'offset', type: 'u32', value: offset },
        ],
        workgroups: gridFor(groups),
      });
    } else {
      // An empty gradient adds nothing: its slot must still read 0.
      runShader(backend, { key: 'fill-zero', body: FILL_ZERO, bindings: [{ tensor: partial, write: true }], names: ['out'], uniforms: [{ name: 'at', type: 'u32', value: offset }], workgroups: [1, 1, 1] });
    }
    offset += groups;
  });
  const norm = makeOutput(backend, []);
  const coefficient = makeOutput(backend, []);
  runShader(backend, {
    key: 'global-norm',
    body: NORM,
    bindings: [{ tensor: partial }, { tensor: norm, write: true }, { tensor: coefficient, write: true }],
    names: ['partial', 'norm', 'coefficient'],
    uniforms: [
      { name: 'slots', type: 'u32', value: slots },
      { name: 'maxNorm', type: 'f32', value: maxNorm > 0 ? maxNorm : 0 },
    ],
    workgroups: [1, 1, 1],
  });
  backend.disposeData(partial.dataId);
  const engine = tf.engine();
  const normTensor = engine.makeTensorFromTensorInfo(norm) as tf.Scalar;
  if (!(maxNorm > 0)) {
    backend.disposeData(coefficient.dataId);
    return { norm: normTensor };
  }
  return { norm: normTensor, coefficient: engine.makeTensorFromTensorInfo(coefficient) as tf.Scalar };
}

const FILL_ZERO = `
@compute @workgroup_size(1)
fn main() { out[u.at] = 0.0; }`;

/** AdamW (mode 1) or Adam with L2 decay (mode 2) or either without decay (mode 0), in the composite's float32 order. */
const ADAM = `
${ENTRY} {
  let c = coefficient[0];
  ${ELEMENTS}
  var g = grad[i];
  var p = param[i];
  var mf = c * u.oneMinusBeta1;
  var vf = (c * c) * u.oneMinusBeta2;
  if (u.mode == 1u) {
    p = p * u.decay;
  } else if (u.mode == 2u) {
    g = g * c + p * u.weightDecay;
    mf = u.oneMinusBeta1;
    vf = u.oneMinusBeta2;
  }
  let m = expAvg[i] * u.beta1 + g * mf;
  let v = expAvgSq[i] * u.beta2 + (g * g) * vf;
  expAvg[i] = m;
  expAvgSq[i] = v;
  let denom = sqrt(v) / u.bc2Sqrt + u.eps;
  param[i] = p - (m / denom) * u.stepSize;
  }
}`;

export interface AdamStep {
  param: tf.Variable;
  grad: tf.Tensor;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
  step: number;
  lr: number;
  weightDecay: number;
}

export interface AdamConstants {
  beta1: number;
  beta2: number;
  eps: number;
  decoupled: boolean;
}

/**
 * Updates each weight and its moments in place on the GPU; false (nothing done) when webgpu is not
 * active or a tensor is not float32. `gradScale` is the clip coefficient (a GPU scalar, not read).
 */
export function webgpuAdam(steps: readonly AdamStep[], gradScale: tf.Scalar | undefined, s: AdamConstants): boolean {
  const backend = activeWebGpu(steps.flatMap((x) => [x.param, x.grad, x.expAvg, x.expAvgSq]));
  if (!backend || steps.length === 0) return false;
  // An in-place write must not change another tensor that shares the buffer (a variable made from a tensor).
  for (const x of steps) for (const v of [x.param, x.expAvg, x.expAvgSq]) ensureExclusive(backend, v);
  const one = gradScale ? undefined : tf.scalar(1);
  const coefficient = gradScale ?? (one as tf.Scalar);
  try {
    for (const x of steps) {
      if (x.param.size === 0) continue;
      const mode = x.weightDecay === 0 ? 0 : s.decoupled ? 1 : 2;
      const f32 = (name: string, value: number) => ({ name, type: 'f32' as const, value });
      runShader(backend, {
        key: 'adam',
        body: ADAM,
        bindings: [
          { tensor: x.param, write: true },
          { tensor: x.grad },
          { tensor: x.expAvg, write: true },
          { tensor: x.expAvgSq, write: true },
          { tensor: coefficient },
        ],
        names: ['param', 'grad', 'expAvg', 'expAvgSq', 'coefficient'],
        uniforms: [
          { name: 'n', type: 'u32', value: x.param.size },
          { name: 'mode', type: 'u32', value: mode },
          f32('beta1', s.beta1),
          f32('oneMinusBeta1', 1 - s.beta1),
          f32('beta2', s.beta2),
          f32('oneMinusBeta2', 1 - s.beta2),
          f32('eps', s.eps),
          f32('decay', 1 - x.lr * x.weightDecay),
          f32('weightDecay', x.weightDecay),
          f32('bc2Sqrt', Math.sqrt(1 - s.beta2 ** x.step)),
          f32('stepSize', x.lr / (1 - s.beta1 ** x.step)),
        ],
        workgroups: gridFor(elementGroups(x.param.size)),
      });
    }
  } finally {
    one?.dispose();
  }
  return true;
}

function ensureExclusive(backend: WebGpuBackendLike, variable: tf.Variable): void {
  if ((backend.tensorMap.get(variable.dataId)?.refCount ?? 1) > 1) tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(0))));
}
