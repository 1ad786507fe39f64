import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/trainer/backends';

/**
 * Runs where Dawn finds an adapter: a GPU, or lavapipe from Mesa >= 25 (see
 * bench/README-kernels.md: VK_ICD_FILENAMES + LD_LIBRARY_PATH). Skipped elsewhere.
 */
describe('webgpu backend', () => {
  it('explicit webgpu trains a gather + matmul gradient, or says why it cannot start', async (t) => {
    let info;
    try {
      info = await initBackend({ backend: 'webgpu' });
    } catch (error) {
      const message = (error as Error).message;
      assert.match(message, /^backend: webgpu is not available: .*(npm install|adapter)/);
      return t.skip(message.split('.')[0]);
    }
    assert.equal(info.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.match(info.device, /^WebGPU: /);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(tf.gather(x, ids), tf.ones([2, 3]))))(table);
    assert.deepEqual(Array.from(await grad.data()), [3, 3, 0, 0, 6, 6]);
  });
});
