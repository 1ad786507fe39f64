/** A generated ~300-line trainer config (every documented field, with comments) and an override module. */
import { DataSchema, ModelSchema, TrainingArgumentsSchema, type JsonValue } from '../../src/config/index';

type Properties = Record<string, { default?: JsonValue; examples?: JsonValue[]; markdownDescription?: string }>;

function firstSentence(doc: string | undefined): string {
  const text = (doc ?? '').replace(/\s+/g, ' ');
  const end = text.indexOf('. ');
  return end > 0 ? text.slice(0, end + 1) : text;
}

function yamlValue(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value) || typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function section(name: string, properties: Properties, overrides: Record<string, JsonValue>): string[] {
  const lines = [`${name}:`];
  for (const [key, schema] of Object.entries(properties)) {
    const value = key in overrides ? overrides[key] : (schema.default ?? schema.examples?.[0]);
    if (value === undefined) continue;
    lines.push(`  # ${firstSentence(schema.markdownDescription)}`);
    lines.push(`  ${key}: ${yamlValue(value)}`);
  }
  return lines;
}

export function generateConfig(): string {
  const lines = ['# Generated benchmark config: every documented field, with a comment line each.', ''];
  lines.push(...section('model', ModelSchema.properties as Properties, { architecture: 'transformer-encoder', num_labels: 2 }));
  lines.push(...section('data', DataSchema.properties as Properties, { train_file: 'data/train.jsonl', eval_file: 'data/train.jsonl' }));
  lines.push('trainer: ./bench_trainer.ts', 'loss_name: CrossEntropyLoss', 'metrics: [accuracy, f1]');
  lines.push(
    ...section('training_args', TrainingArgumentsSchema.properties as Properties, {
      output_dir: 'runs/bench',
      eval_strategy: 'steps',
      eval_steps: 50,
      save_strategy: 'steps',
      save_steps: 100,
      logging_steps: 10,
      load_best_model_at_end: true,
      metric_for_best_model: 'accuracy',
      gradient_accumulation_steps: 4,
    }),
  );
  // Free-form kwargs fill the file up to about 300 lines.
  lines.push('trainer_kwargs:');
  for (let i = 0; lines.length < 300; i++) lines.push(`  # option ${i}`, `  option_${i}: ${i * 3}`);
  return `${lines.join('\n')}\n`;
}

export const OVERRIDE_MODULE = `import { Trainer, tf, type Inputs } from 'finetune-studio';

/** Focal-style loss with class weights; ignores numItemsInBatch on purpose (a warning under accumulation). */
export default class BenchTrainer extends Trainer {
  override computeLoss(model, inputs: Inputs, returnOutputs = false) {
    const { labels, ...features } = inputs;
    const outputs = model.forward(features);
    const probs = tf.softmax(outputs.logits);
    const oneHot = tf.oneHot(labels, 2);
    const pt = tf.sum(tf.mul(probs, oneHot), -1);
    const weight = tf.pow(tf.sub(1, pt), 2);
    const perItem = tf.mul(weight, tf.neg(tf.log(tf.add(pt, 1e-7))));
    const loss = tf.mean(perItem);
    if (returnOutputs) {
      return [loss, outputs];
    }
    return loss;
  }

  override createOptimizer() {
    return super.createOptimizer();
  }
}
`;
