/**
 * Idempotent replacement of tfjs kernels. tfjs keeps kernels in its own global registry; we brand
 * our configs so a second registration (a second initBackend in one process) is a no-op. A brand
 * carries a variant ('wasm' or 'native', for kernels that have both), so a process can switch
 * between them, and the stock kernel it replaced, so a switch still starts from the stock one.
 */
import * as tf from '@tensorflow/tfjs';

const BRAND = 'finetuneStudioFastKernel';
const STOCK = 'finetuneStudioStockKernel';

type Branded = tf.KernelConfig & { [BRAND]?: string; [STOCK]?: tf.KernelConfig };

/** Returns the config branded as ours (variant 'default' unless given). */
export function markFast(config: tf.KernelConfig, variant = 'default'): tf.KernelConfig {
  return Object.assign(config, { [BRAND]: variant });
}

export function isFast(config: tf.KernelConfig | undefined): boolean {
  return typeof (config as Branded | undefined)?.[BRAND] === 'string';
}

/** Our variant name of a registered config, undefined for a stock kernel. */
export function variantOf(config: tf.KernelConfig | undefined): string | undefined {
  return (config as Branded | undefined)?.[BRAND];
}

/** The stock kernel behind a config: itself when it is not ours. */
export function stockOf(config: tf.KernelConfig | undefined): tf.KernelConfig | undefined {
  const branded = config as Branded | undefined;
  return branded && isFast(branded) ? branded[STOCK] : branded;
}

/**
 * Registers `make(stock)` in place of the registered kernel (stock is undefined when the backend
 * has none; it is always the backend's own kernel, never one of ours). Returns false when our
 * kernel of this variant is already registered.
 */
export function replaceKernel(
  kernelName: string,
  backendName: string,
  make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig,
  variant = 'default',
): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (variantOf(current) === variant) return false;
  const stock = stockOf(current);
  const replacement = Object.assign(markFast(make(stock), variant), { [STOCK]: stock });
  if (current) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(replacement);
  return true;
}

/** Unregisters our kernel for `kernelName` (one with no stock kernel behind it); false when none of ours is registered. */
export function removeKernel(kernelName: string, backendName: string): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (!isFast(current)) return false;
  tf.unregisterKernel(kernelName, backendName);
  const stock = stockOf(current);
  if (stock) tf.registerKernel(stock);
  return true;
}
