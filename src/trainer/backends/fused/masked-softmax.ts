/**
 * Attention's softmax(scores·scale + mask) over the last axis as one fused op.
 *
 * `FtsMaskedSoftmax` inputs {scores [B, heads, T, S], mask (additive, broadcastable to scores)},
 * attrs {scale} → probs. `FtsMaskedSoftmaxGrad` inputs {dy, probs}, attrs {scale} → dscores.
 */
import * as tf from '@tensorflow/tfjs';
import { backendHas, ensureGradient, runKernel, sumToShape } from './kernel';

export const FtsMaskedSoftmax = 'FtsMaskedSoftmax';
export const FtsMaskedSoftmaxGrad = 'FtsMaskedSoftmaxGrad';

/** The composite: the models' scale, additive mask and tf.softmax. */
export function maskedSoftmaxComposite(scores: tf.Tensor, mask: tf.Tensor, scale: number): tf.Tensor {
  return tf.softmax(tf.add(tf.mul(scores, scale), mask), -1);
}

/** d(softmax input): probs·(dy − Σ dy·probs) over the last axis. */
function logitsGrad(dy: tf.Tensor, probs: tf.Tensor): tf.Tensor {
  return tf.mul(probs, tf.sub(dy, tf.sum(tf.mul(dy, probs), -1, true)));
}

export function maskedSoftmaxBackwardComposite(dy: tf.Tensor, probs: tf.Tensor, scale: number): tf.Tensor {
  return tf.mul(logitsGrad(dy, probs), scale);
}

const gradient: tf.GradConfig = {
  kernelName: FtsMaskedSoftmax,
  inputsToSave: ['mask'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [mask, probs] = saved;
    const scale = (attrs as { scale: number }).scale;
    const upstream = dy as tf.Tensor;
    return {
      scores: () =>
        backendHas(FtsMaskedSoftmaxGrad, upstream)
          ? runKernel(FtsMaskedSoftmaxGrad, { dy: upstream, probs }, { scale })[0]
          : maskedSoftmaxBackwardComposite(upstream, probs, scale),
      // Masks are constants in the models; a learned bias would get this.
      mask: () => sumToShape(logitsGrad(upstream, probs), mask.shape),
    };
  },
};

/** softmax(scores·scale + mask) over the last axis: the backend's fused kernel, or the composite. */
export function maskedSoftmax(scores: tf.Tensor, mask: tf.Tensor, scale: number): tf.Tensor {
  if (scores.rank !== 4 || !backendHas(FtsMaskedSoftmax, scores, mask)) return maskedSoftmaxComposite(scores, mask, scale);
  ensureGradient(gradient);
  return runKernel(FtsMaskedSoftmax, { scores, mask }, { scale })[0];
}
