/** The sweep file's generated artefacts: its JSON Schema and docs/sweep.md, from src/sweep/schema.ts. */
import { sectionLines } from '../config/docs';
import { decorate, plain } from '../config/json-schema';
import { shapeOf } from '../config/schema-shape';
import { SweepSchema } from './schema';
import { ClusterSchema } from '../launcher/slurm/schema';

export const SWEEP_SCHEMA_ID = 'urn:finetune-studio:sweep';
export const SWEEP_SCHEMA_PATH = 'schemas/sweep.schema.json';
export const SWEEP_DOCS_PATH = 'docs/sweep.md';
export const CLUSTER_SCHEMA_PATH = 'schemas/cluster.schema.json';

export function renderSweepJsonSchema(): string {
  const schema = decorate(shapeOf(SweepSchema), plain(SweepSchema));
  const object = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SWEEP_SCHEMA_ID,
    ...schema,
    description: 'Fine-Tune Studio sweep (`*.sweep.yaml`, `*.sweep.json`). Generated from src/sweep/schema.ts by `npm run generate`; do not edit.',
  };
  return `${JSON.stringify(object, null, 2)}\n`;
}

export function renderSweepDocs(): string {
  const root = shapeOf(SweepSchema);
  const nested = ['parameters', 'objective', 'early_termination'] as const;
  const lines = [
    '<!-- Generated from src/sweep/schema.ts by `npm run generate`; do not edit. -->',
    '# Sweep file reference',
    '',
    'A sweep file (`*.sweep.yaml`, `*.sweep.yml`, `*.sweep.json`) names a base trainer config and the fields to vary.',
    'Run it with `finetune-studio sweep <file> [--parallel N] [--target local|slurm]`. Each trial is an ordinary run directory',
    '(`trial-000`, ...) whose `config.resolved.json` holds the trial\'s values; `sweep.jsonl` and `sweep.csv` collect the results.',
    '',
    '```yaml',
    'base: sentiment.trainer.yaml',
    'method: random',
    'trials: 8',
    'parameters:',
    '  training_args.learning_rate: { distribution: log_uniform, min: 1.0e-4, max: 1.0e-2 }',
    '  model.dropout: { values: [0.0, 0.1, 0.3] }',
    'objective: { metric_for_best_model: eval_accuracy }',
    'early_termination: { min_steps: 20, reduction_factor: 3 }',
    '```',
    '',
    ...sectionLines('Top level', '', root, []),
    ...sectionLines('A parameter (`parameters.<trainer field path>`)', 'parameters.<path>.', shapeOf(Object.values(root.properties?.parameters?.patternProperties ?? {})[0] ?? {}), []),
  ];
  for (const key of nested.slice(1)) {
    const schema = root.properties?.[key];
    if (schema) lines.push(...sectionLines(`\`${key}\``, `${key}.`, schema.anyOf?.[0] ?? schema, []));
  }
  lines.push(
    '## Early termination (ASHA)',
    '',
    'Rung k sits at `min_steps * reduction_factor^k` optimizer steps. When a trial\'s evaluation reaches a rung, its',
    'objective is recorded there; it continues only if it ranks within the top floor(n / reduction_factor) of the n',
    'trials recorded at that rung so far (Li et al. 2018, *Massively Parallel Hyperparameter Tuning*, Algorithm 2).',
    'While fewer than `reduction_factor` trials have reached a rung, the paper would hold a trial back until more',
    'arrive; a stopped trial cannot wait, so here it continues if it is the best so far at that rung (as Optuna does).',
    'A stopped trial writes a checkpoint and ends `pruned`. Rungs at or beyond a trial\'s last step never stop it.',
    '',
  );
  return lines.join('\n');
}

/** The JSON Schema of `*.cluster.yaml` (Slurm partition, gres, time, setup lines...). */
export function renderClusterJsonSchema(): string {
  const object = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:finetune-studio:cluster',
    ...decorate(shapeOf(ClusterSchema), plain(ClusterSchema)),
    description: 'Fine-Tune Studio Slurm cluster (`*.cluster.yaml`). Generated from src/launcher/slurm/schema.ts by `npm run generate`; do not edit.',
  };
  return `${JSON.stringify(object, null, 2)}\n`;
}
