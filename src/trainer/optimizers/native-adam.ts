/**
 * torch.optim.AdamW / Adam as one native pass over every weight (native/src/fts_native.c, adam),
 * when the native addon's kernels are active on the wasm backend. It does the float32 operations
 * of AdamOptimizer.update in the same order. The moments are updated in place; the new weights
 * go to fresh memory that each variable is then assigned, so no kernel cache keyed on a weight
 * tensor (XNNPACK keeps packed weights per tensor) can see stale values.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { activeNative, offsetOf } from '../backends/native-active';
import { heapOf } from '../backends/kernels/native-matmul';
import type { AdamSettings } from './rules';
import type { UpdateContext } from './slot-optimizer';

/** Gives a variable memory of its own when another tensor shares it (an in-place write would change both). */
function ensureExclusive(backend: BackendWasm, variable: tf.Variable): void {
  if (backend.refCount(variable.dataId) > 1) tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(0))));
}

/** Runs the step natively; false when the native kernels are not active or a tensor is not float32. */
export function fusedAdam(contexts: readonly UpdateContext[], gradScale: tf.Scalar | undefined, s: AdamSettings): boolean {
  const native = activeNative();
  if (!native || contexts.length === 0) return false;
  if (contexts.some((c) => c.grad.dtype !== 'float32' || c.param.dtype !== 'float32')) return false;
  const { addon, backend } = native;
  for (const c of contexts) {
    ensureExclusive(backend, c.slots.exp_avg);
    ensureExclusive(backend, c.slots.exp_avg_sq);
  }
  const outputs = contexts.map((c) => backend.makeOutput([...c.param.shape], 'float32'));
  try {
    // Offsets after every allocation: allocating may grow (and move) the wasm heap's buffer.
    const at = (pick: (c: UpdateContext) => tf.TensorInfo): Float64Array => Float64Array.from(contexts, (c) => offsetOf(backend, pick(c)));
    const lr = contexts[0].lr;
    addon.adam(
      heapOf(backend),
      at((c) => c.param),
      Float64Array.from(outputs, (o) => offsetOf(backend, o)),
      at((c) => c.grad),
      at((c) => c.slots.exp_avg),
      at((c) => c.slots.exp_avg_sq),
      Float64Array.from(contexts, (c) => c.param.size),
      Float64Array.from(contexts, (c) => c.weightDecay),
      Float64Array.from(contexts, (c) => 1 - s.beta1 ** c.step),
      Float64Array.from(contexts, (c) => Math.sqrt(1 - s.beta2 ** c.step)),
      lr, s.beta1, s.beta2, s.eps,
      gradScale ? gradScale.dataSync()[0] : 1,
      s.decoupled,
    );
  } catch (error) {
    for (const o of outputs) backend.disposeData(o.dataId, true);
    throw error;
  }
  contexts.forEach((c, i) => {
    const fresh = tf.engine().makeTensorFromTensorInfo(outputs[i]);
    c.param.assign(fresh);
    fresh.dispose();
  });
  return true;
}
