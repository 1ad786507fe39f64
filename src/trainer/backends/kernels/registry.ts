/**
 * Idempotent replacement of tfjs kernels. tfjs keeps kernels in its own global registry; we brand
 * our configs so a second registration (a second initBackend in one process) is a no-op.
 */
import * as tf from '@tensorflow/tfjs';

const BRAND = 'finetuneStudioFastKernel';

type Branded = tf.KernelConfig & { [BRAND]?: true };

/** Returns the config branded as ours. */
export function markFast(config: tf.KernelConfig): tf.KernelConfig {
  return Object.assign(config, { [BRAND]: true as const });
}

export function isFast(config: tf.KernelConfig | undefined): boolean {
  return (config as Branded | undefined)?.[BRAND] === true;
}

/**
 * Registers `make(stock)` in place of the stock kernel (stock is undefined when the backend has
 * none). Returns false when our kernel is already registered.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig,
): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (isFast(current)) return false;
  const replacement = make(current);
  if (current) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(replacement);
  return true;
}
