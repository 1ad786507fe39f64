/** Native TensorFlow through the optional @tensorflow/tfjs-node / @tensorflow/tfjs-node-gpu. */
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../protocol/events';
import { tryRequire } from './optional-require';

export type NativeKind = 'tensorflow' | 'tensorflow-gpu';

const PACKAGE: Record<NativeKind, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

const INSTALL_HINT: Record<NativeKind, string> = {
  tensorflow:
    'Install it with `npm install @tensorflow/tfjs-node@4.22.0` (its install script downloads libtensorflow, so it needs internet), or use backend: wasm.',
  'tensorflow-gpu':
    'Install it with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs internet, CUDA 11.x and cuDNN 8), or use backend: webgpu or wasm.',
};

export type Attempt = { ok: true; info: BackendInfo } | { ok: false; reason: string };

/** Both packages register a backend named 'tensorflow'; the GPU one reports whether it found a GPU. */
export async function tryNative(kind: NativeKind): Promise<Attempt> {
  const pkg = PACKAGE[kind];
  const loaded = tryRequire<unknown>(pkg);
  if (!loaded.ok) return { ok: false, reason: `${loaded.reason}. ${INSTALL_HINT[kind]}` };
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, reason: `${pkg} loaded but its 'tensorflow' backend failed to start. ${INSTALL_HINT[kind]}` };
  }
  // NodeJSKernelBackend has isUsingGpuDevice; tfjs's types do not declare it.
  const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  const device = gpu ? 'GPU (CUDA), native TensorFlow' : kind === 'tensorflow-gpu' ? 'CPU, native TensorFlow (tfjs-node-gpu found no GPU)' : 'CPU, native TensorFlow';
  return { ok: true, info: { name: 'tensorflow', device } };
}
