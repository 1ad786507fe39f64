/**
 * Fused transformer ops: each is a tfjs kernel name that backends may register (wasm: the native
 * addon, kernels/native-fused.ts; webgpu: WGSL), a composite of tfjs ops that runs where none is
 * registered (the models' exact math, so cpu numerics are unchanged), and a registered gradient
 * that runs the backward kernel or its composite. One module per op; see each for the signature.
 */
export { attention, attentionComposite, attentionBackwardComposite, FtsAttention, FtsAttentionGrad, type ProbsDropout } from './attention';
export { gelu, geluComposite, geluBackwardComposite, FtsGelu, FtsGeluGrad, type GeluApproximate } from './gelu';
export { layerNorm, layerNormComposite, layerNormBackwardComposite, FtsLayerNorm, FtsLayerNormGrad } from './layer-norm';
export { maskedSoftmax, maskedSoftmaxComposite, maskedSoftmaxBackwardComposite, FtsMaskedSoftmax, FtsMaskedSoftmaxGrad } from './masked-softmax';
export { rmsNorm, rmsNormComposite, rmsNormBackwardComposite, FtsRmsNorm, FtsRmsNormGrad } from './rms-norm';
export { swiGlu, swiGluComposite, swiGluBackwardComposite, FtsSwiGlu, FtsSwiGluGrad } from './swiglu';

/** The kernel names of the norm, softmax and activation ops, forward and backward (the native addon has all of them). */
export const FUSED_KERNEL_NAMES: readonly string[] = [
  'FtsLayerNorm', 'FtsLayerNormGrad', 'FtsRmsNorm', 'FtsRmsNormGrad', 'FtsMaskedSoftmax', 'FtsMaskedSoftmaxGrad',
  'FtsGelu', 'FtsGeluGrad', 'FtsSwiGlu', 'FtsSwiGluGrad',
];
