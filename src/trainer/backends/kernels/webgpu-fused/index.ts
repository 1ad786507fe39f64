/**
 * The fused transformer ops' WGSL kernels for backend webgpu (names and signatures: the fused ops
 * in src/trainer/backends/fused). Registered by registerFastKernels('webgpu').
 */
import type * as tf from '@tensorflow/tfjs';
import { geluGradKernel, geluKernel, swiGluGradKernel, swiGluKernel } from './activations';
import { layerNormGradKernel, layerNormKernel, rmsNormGradKernel, rmsNormKernel } from './norms';
import { maskedSoftmaxGradKernel, maskedSoftmaxKernel } from './softmax';
import { attentionGradKernel, attentionKernel } from '../webgpu-attention';

/** Kernel name → kernel function, for every fused op this backend implements. */
export const WEBGPU_FUSED_KERNELS: Readonly<Record<string, tf.KernelFunc>> = {
  FtsLayerNorm: layerNormKernel as tf.KernelFunc,
  FtsLayerNormGrad: layerNormGradKernel as tf.KernelFunc,
  FtsRmsNorm: rmsNormKernel as tf.KernelFunc,
  FtsRmsNormGrad: rmsNormGradKernel as tf.KernelFunc,
  FtsMaskedSoftmax: maskedSoftmaxKernel as tf.KernelFunc,
  FtsMaskedSoftmaxGrad: maskedSoftmaxGradKernel as tf.KernelFunc,
  FtsGelu: geluKernel as tf.KernelFunc,
  FtsGeluGrad: geluGradKernel as tf.KernelFunc,
  FtsSwiGlu: swiGluKernel as tf.KernelFunc,
  FtsSwiGluGrad: swiGluGradKernel as tf.KernelFunc,
  FtsAttention: attentionKernel,
  FtsAttentionGrad: attentionGradKernel,
};

export function webgpuFusedKernel(kernelName: string): tf.KernelConfig {
  const kernelFunc = WEBGPU_FUSED_KERNELS[kernelName];
  if (!kernelFunc) throw new Error(`No webgpu kernel for ${kernelName}.`);
  return { kernelName, backendName: 'webgpu', kernelFunc };
}
