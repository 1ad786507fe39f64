import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  decodeSafetensors,
  fromPretrained,
  loadLayersModel,
  loadModel,
  loadWeightsInto,
  readSafetensors,
  saveModel,
  writeSafetensors,
} from '../../../../src/trainer/io';
import { createModel } from '../../../../src/trainer/models';
import type { TrainableModel } from '../../../../src/trainer/types';
import { modelConfig } from '../models/model-helper';

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `fts-${prefix}-`));

test.before(async () => {
  await tf.setBackend('cpu');
});

function logitsOf(model: TrainableModel, features: Record<string, tf.Tensor>): number[] {
  const { logits } = model.forward(features);
  const values = Array.from(logits.dataSync());
  logits.dispose();
  return values;
}

test('safetensors round-trip: dtypes, shapes, metadata, 8-byte aligned data', async () => {
  const path = join(await tempDir('st'), 'x.safetensors');
  const tensors = {
    'a.weight': { dtype: 'F32' as const, shape: [2, 3], data: new Float32Array([1, -2, 3.5, 4, 5, 6e-8]) },
    odd: { dtype: 'I32' as const, shape: [3], data: new Int32Array([7, -8, 2 ** 30]) },
    scalar: { dtype: 'F32' as const, shape: [], data: new Float32Array([0.25]) },
  };
  await writeSafetensors(path, tensors, { format: 'pt' });
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal(headerLength % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString());
  assert.deepEqual(header['a.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  const read = await readSafetensors(path);
  assert.deepEqual(read.tensors, tensors);
  assert.deepEqual(read.metadata, { format: 'pt' });
});

test('safetensors from other writers: F64 and BF16 are read as F32; a truncated file is a clear error', () => {
  const header = JSON.stringify({ d: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'BF16', shape: [1], data_offsets: [16, 18] } });
  const bytes = Buffer.alloc(8 + header.length + 18);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  bytes.write(header, 8);
  bytes.writeDoubleLE(1.5, 8 + header.length);
  bytes.writeDoubleLE(-3, 16 + header.length);
  bytes.writeUInt16LE(0x3fc0, 24 + header.length); // bf16 1.5
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual(tensors.d, { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -3]) });
  assert.deepEqual(tensors.b.data, new Float32Array([1.5]));
  assert.throws(() => decodeSafetensors(bytes.subarray(0, 20), 'cut.safetensors'), /cut\.safetensors: not a valid safetensors file: header length/);
});

test('saveModel + loadModel reproduce the outputs exactly, with labels and feature stats', async () => {
  const dir = await tempDir('save');
  const config = modelConfig({ architecture: 'transformer-encoder' });
  const dims = { vocabSize: 20, numLabels: 3 };
  const model = createModel(config, dims, 11);
  const inputs = { input_ids: tf.tensor2d([[3, 4, 5, 0, 0, 0]], [1, 6], 'int32'), attention_mask: tf.tensor2d([[1, 1, 1, 0, 0, 0]], [1, 6]) };
  await saveModel(model, dir, { config, dims, labelNames: ['a', 'b', 'c'] });
  const json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  assert.deepEqual(json.architectures, ['transformer-encoder']);
  assert.deepEqual(json.id2label, { 0: 'a', 1: 'b', 2: 'c' });
  assert.deepEqual(json.label2id, { a: 0, b: 1, c: 2 });
  assert.equal(json.num_labels, 3);
  const { model: loaded, info } = await loadModel(dir, { seed: 99 });
  assert.deepEqual(logitsOf(loaded, inputs), logitsOf(model, inputs));
  assert.deepEqual(info.labelNames, ['a', 'b', 'c']);
  assert.deepEqual(info.dims, dims);
  assert.deepEqual(loaded.weights().map((w) => w.name), model.weights().map((w) => w.name));
  tf.dispose([inputs.input_ids, inputs.attention_mask]);
  model.dispose();
  loaded.dispose();
});

test('loadModel with a different numLabels keeps the body and makes a new head', async () => {
  const dir = await tempDir('head');
  const config = modelConfig({ architecture: 'mlp', hidden_sizes: [6] });
  const stats = { names: ['x', 'y'], mean: [1, 2], std: [3, 4] };
  const model = createModel(config, { numFeatures: 2, numLabels: 2 }, 5);
  await saveModel(model, dir, { config, dims: { numFeatures: 2, numLabels: 2 }, labelNames: ['no', 'yes'], featureStats: stats });
  const { model: tuned, info } = await loadModel(dir, { numLabels: 4, freeze: ['hidden*'] });
  assert.equal(tuned.numLabels, 4);
  assert.deepEqual(tuned.weights().find((w) => w.name === 'classifier.kernel')?.variable.shape, [6, 4]);
  assert.deepEqual(tuned.weights()[0].variable.dataSync(), model.weights()[0].variable.dataSync(), 'hidden layer reloaded');
  assert.deepEqual(tuned.trainableWeights().map((w) => w.name), ['classifier.kernel', 'classifier.bias']);
  assert.equal(info.labelNames, undefined, 'old label names do not fit a new head');
  assert.deepEqual(info.featureStats, stats);
  const features = tf.ones([2, 2]);
  assert.equal(logitsOf(tuned, features ? { features } : {}).length, 8);
  features.dispose();
  model.dispose();
  tuned.dispose();
});

test('loadWeightsInto rejects a checkpoint of another shape and changes nothing', async () => {
  const dir = await tempDir('mismatch');
  const small = createModel(modelConfig({ architecture: 'text-classifier', embedding_dim: 4 }), { vocabSize: 10, numLabels: 2 }, 1);
  await saveModel(small, dir, { config: modelConfig({ architecture: 'text-classifier', embedding_dim: 4 }), dims: { vocabSize: 10, numLabels: 2 } });
  const other = createModel(modelConfig({ architecture: 'text-classifier', embedding_dim: 8 }), { vocabSize: 10, numLabels: 2 }, 2);
  const before = other.weights().map((w) => Array.from(w.variable.dataSync()));
  await assert.rejects(loadWeightsInto(other, dir), /weight "embedding.weight" has shape \[10,4\] but the model expects \[10,8\]/);
  assert.deepEqual(other.weights().map((w) => Array.from(w.variable.dataSync())), before);
  small.dispose();
  other.dispose();
});

/** Saves a LayersModel as model.json + weights.bin, as `model.save('file://dir')` would. */
async function saveLayersModelToDir(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightsManifest = [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs ?? [] }];
      await writeFile(join(dir, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest, format: 'layers-model' }));
      await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

test('loadLayersModel reads a saved LayersModel from disk: same logits, named weights, new head, trains without leaks', async () => {
  const dir = await tempDir('layers');
  const original = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 5, activation: 'relu', name: 'hidden' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
    ],
  });
  await saveLayersModelToDir(original, dir);
  const x = tf.tensor2d([[1, 2, 3], [-1, 0, 0.5]]);
  const hidden = tf.model({ inputs: original.inputs, outputs: original.layers[0].output as tf.SymbolicTensor }).predict(x) as tf.Tensor;
  const [kernel, bias] = original.layers[1].getWeights();
  const expectedLogits = Array.from(tf.add(tf.matMul(hidden, kernel), bias).dataSync());

  const loaded = await loadLayersModel(dir);
  assert.deepEqual(loaded.inputNames, ['features']);
  assert.deepEqual(loaded.weights().map((w) => w.name), ['hidden.kernel', 'hidden.bias', 'classifier.kernel', 'classifier.bias']);
  const got = logitsOf(loaded, { features: x });
  got.forEach((v, i) => assert.ok(Math.abs(v - expectedLogits[i]) < 1e-5, 'the head outputs logits, before the softmax'));

  const tuned = await fromPretrained(dir, modelConfig({ architecture: 'mlp', freeze: ['hidden'] }), { numLabels: 3 }, 1);
  assert.equal(logitsOf(tuned, { features: x }).length, 6);
  assert.deepEqual(tuned.trainableWeights().map((w) => w.name), ['classifier.kernel', 'classifier.bias']);
  const optimizer = tf.train.sgd(0.1);
  const labels = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
  const step = () =>
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, tuned.forward({ features: x }, { training: true }).logits) as tf.Scalar, false, tuned.trainableWeights().map((w) => w.variable));
  step();
  const before = tf.memory().numTensors;
  step();
  step();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, hidden, labels]);
  [original, loaded, tuned].forEach((m) => m.dispose());
  optimizer.dispose();
});

test('fromPretrained loads our checkpoints and says what it expected in an empty folder', async () => {
  const dir = await tempDir('pre');
  const config = modelConfig({ architecture: 'text-classifier' });
  const model = createModel(config, { vocabSize: 12, numLabels: 2 }, 3);
  await saveModel(model, dir, { config, dims: { vocabSize: 12, numLabels: 2 } });
  const again = await fromPretrained(dir, modelConfig({ architecture: 'mlp' }), { numLabels: 2 }, 4);
  assert.equal(again.architecture, 'text-classifier', "the checkpoint's architecture wins");
  const ids = { input_ids: tf.tensor2d([[1, 2, 3, 0, 0, 0]], [1, 6], 'int32') };
  assert.deepEqual(logitsOf(again, ids), logitsOf(model, ids));
  tf.dispose(ids.input_ids);
  model.dispose();
  again.dispose();
  const empty = await tempDir('empty');
  await assert.rejects(fromPretrained(empty, config, { numLabels: 2 }, 0), /holds no files; expected a checkpoint of this Trainer \(config.json \+ model.safetensors\) or a tfjs LayersModel/);
});

test('saveModel records the config a built-in model was made from, whatever the info says', async () => {
  const dir = await tempDir('truth');
  const config = modelConfig({ architecture: 'transformer-encoder' });
  const model = createModel(config, { vocabSize: 12, numLabels: 2 }, 1);
  await saveModel(model, dir, { config: modelConfig({ architecture: 'text-classifier' }), dims: { vocabSize: 99, numLabels: 2 } });
  const { model: loaded, info } = await loadModel(dir);
  assert.equal(info.config.architecture, 'transformer-encoder');
  assert.equal(info.dims.vocabSize, 12);
  model.dispose();
  loaded.dispose();
});

test('a fine-tuned LayersModel checkpoint reloads with loadWeightsInto, and loadModel says how', async () => {
  const base = await tempDir('layers-base');
  const original = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, activation: 'relu', name: 'h' }), tf.layers.dense({ units: 2, name: 'o' })] });
  await saveLayersModelToDir(original, base);
  const tuned = await loadLayersModel(base, { numLabels: 4, seed: 1 });
  tuned.weights()[0].variable.assign(tf.fill([2, 3], 0.5)); // "training" moved a weight
  const checkpoint = await tempDir('layers-ckpt');
  await saveModel(tuned, checkpoint, { config: modelConfig({ architecture: 'mlp' }), dims: { numFeatures: 2, numLabels: 4 } });
  await assert.rejects(loadModel(checkpoint), /fine-tuned tfjs LayersModel.*loadLayersModel.*loadWeightsInto/);
  const reloaded = await loadLayersModel(base, { numLabels: 4, seed: 2 });
  await loadWeightsInto(reloaded, checkpoint);
  const x = { features: tf.tensor2d([[1, -1]]) };
  assert.deepEqual(logitsOf(reloaded, x), logitsOf(tuned, x));
  tf.dispose(x.features);
  [original, tuned, reloaded].forEach((m) => m.dispose());
});
