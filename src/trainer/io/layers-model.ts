import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { glorotUniform, seededStream, weightSeed, zeros } from '../models/init';
import { dense } from '../models/ops';
import { isFrozen } from '../models/weights';
import type { ForwardOptions, ModelOutput, NamedWeight, TrainableModel } from '../types';

export const LAYERS_MODEL_FILE = 'model.json';

export interface LayersModelOptions {
  /** Classes to predict; when it differs from the saved output size a new Dense head is made. */
  numLabels?: number;
  freeze?: string[];
  /** Seed of a new head's initial weights. */
  seed?: number;
}

interface ModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** Model artifacts read from a folder written by `model.save('file://…')` or tfjs-converter. */
export async function readLayersModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const path = join(dir, LAYERS_MODEL_FILE);
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read a tfjs LayersModel (${(error as Error).message})`, { cause: error });
  }
  if (!json.modelTopology) throw new Error(`${path}: no "modelTopology"; expected a tfjs LayersModel model.json`);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) shards.push(await readFile(join(dir, shard)));
  }
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.length;
  }
  return { modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer, format: json.format, generatedBy: json.generatedBy };
}

/** A variable holding `initial`'s data; the temporary tensor is released. */
function variableFrom(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

/** `dense_1/kernel` → `dense_1.kernel`, like a state_dict key. */
function stateDictName(layerVariableName: string): string {
  return layerVariableName.replace(/\//g, '.');
}

/**
 * A saved tfjs LayersModel wrapped as a TrainableModel. A final Dense layer becomes our own linear
 * head `classifier.kernel/bias` (its activation dropped, so the output is logits), re-made with
 * `numLabels` outputs when that differs from the saved size.
 */
export class LayersModelAdapter implements TrainableModel {
  readonly architecture = 'layers-model';
  readonly inputNames: readonly string[];
  readonly numLabels: number;
  private readonly named: NamedWeight[];
  private readonly head?: { kernel: tf.Variable; bias: tf.Variable };

  private constructor(
    private readonly base: tf.LayersModel,
    private readonly body: tf.LayersModel,
    head: { kernel: tf.Variable; bias: tf.Variable } | undefined,
    numLabels: number,
    freeze: readonly string[],
  ) {
    this.head = head;
    this.numLabels = numLabels;
    this.inputNames = LayersModelAdapter.inputNamesOf(base);
    // LayerVariable.read() returns the underlying tf.Variable (typed as Tensor by tfjs-layers).
    this.named = body.weights.map((w) => ({ name: stateDictName(w.originalName), variable: w.read() as tf.Variable }));
    if (head) this.named.push({ name: 'classifier.kernel', variable: head.kernel }, { name: 'classifier.bias', variable: head.bias });
    for (const weight of this.named) if (isFrozen(weight.name, freeze)) weight.variable.trainable = false;
  }

  static wrap(base: tf.LayersModel, options: LayersModelOptions = {}): LayersModelAdapter {
    const last = base.layers[base.layers.length - 1];
    const outputSize = (base.outputs[0].shape[base.outputs[0].shape.length - 1] ?? 1) as number;
    const numLabels = options.numLabels ?? outputSize;
    if (last.getClassName() !== 'Dense') {
      if (numLabels !== outputSize) {
        throw new Error(`the saved model ends in a ${last.getClassName()} layer, not Dense, so its ${outputSize} outputs cannot be replaced by a ${numLabels}-label head`);
      }
      return new LayersModelAdapter(base, base, undefined, numLabels, options.freeze ?? []);
    }
    const body = tf.model({ inputs: base.inputs, outputs: last.input as tf.SymbolicTensor });
    const [kernel, bias] = last.getWeights();
    const inDim = kernel.shape[0];
    const seed = options.seed ?? 0;
    const head =
      numLabels === outputSize
        ? { kernel: variableFrom(kernel.clone()), bias: variableFrom(bias ? bias.clone() : tf.zeros([numLabels])) }
        : {
            kernel: variableFrom(tf.tensor(glorotUniform([inDim, numLabels], seededStream(weightSeed(seed, 'classifier.kernel'))), [inDim, numLabels])),
            bias: variableFrom(tf.tensor(zeros([numLabels], () => 0), [numLabels])),
          };
    return new LayersModelAdapter(base, body, head, numLabels, options.freeze ?? []);
  }

  /** A single input is `input_ids` when it feeds an Embedding layer, else `features`; several keep their layer names. */
  private static inputNamesOf(model: tf.LayersModel): string[] {
    if (model.inputs.length > 1) return [...model.inputNames];
    const first = model.layers.find((layer) => layer.getClassName() !== 'InputLayer');
    return [first?.getClassName() === 'Embedding' ? 'input_ids' : 'features'];
  }

  forward(features: Record<string, tf.Tensor>, options: ForwardOptions = {}): ModelOutput {
    const inputs = this.inputNames.map((name, i) => {
      const tensor = features[name];
      if (!tensor) throw new Error(`the loaded LayersModel needs input "${name}", got ${Object.keys(features).join(', ') || 'none'}`);
      const dtype = this.base.inputs[i].dtype;
      return tensor.dtype === dtype ? tensor : tf.cast(tensor, dtype);
    });
    const logits = tf.tidy(() => {
      const hidden = this.body.apply(inputs.length === 1 ? inputs[0] : inputs, { training: options.training ?? false }) as tf.Tensor;
      return this.head ? dense(hidden, this.head.kernel, this.head.bias) : hidden;
    });
    inputs.forEach((tensor, i) => {
      if (tensor !== features[this.inputNames[i]]) tensor.dispose(); // a cast copy
    });
    return { logits };
  }

  weights(): NamedWeight[] {
    return [...this.named];
  }

  trainableWeights(): NamedWeight[] {
    return this.named.filter((w) => w.variable.trainable);
  }

  dispose(): void {
    this.base.dispose();
    this.head?.kernel.dispose();
    this.head?.bias.dispose();
  }
}

/** Loads `dir/model.json` and its weight shards from disk and wraps the model for training. */
export async function loadLayersModel(dir: string, options: LayersModelOptions = {}): Promise<TrainableModel> {
  const artifacts = await readLayersModelArtifacts(dir);
  const base = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  try {
    return LayersModelAdapter.wrap(base, options);
  } catch (error) {
    base.dispose();
    throw new Error(`${join(dir, LAYERS_MODEL_FILE)}: ${(error as Error).message}`, { cause: error });
  }
}
