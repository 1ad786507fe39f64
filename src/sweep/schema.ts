/**
 * THE sweep-file schema (`*.sweep.yaml`, `*.sweep.yml`, `*.sweep.json`), in the TypeBox style of
 * src/config/schema.ts: validation, the language server, the generated JSON Schema and the docs
 * all read it. Parameter keys are trainer-config paths; src/sweep/validate.ts checks them against
 * the trainer schema. No Node, tfjs or vscode imports.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../config/schema';
import { LauncherSchema } from '../launcher/slurm/schema';

export const DISTRIBUTIONS = {
  uniform: 'A number drawn uniformly from [`min`, `max`].',
  log_uniform: 'A number whose logarithm is uniform on [log `min`, log `max`] (learning rates, weight decay); `min` > 0.',
  int_uniform: 'An integer drawn uniformly from `min`..`max` inclusive (layer counts, batch sizes).',
  choice: 'One of `values`, each equally likely.',
} as const;
export type DistributionName = keyof typeof DISTRIBUTIONS;

export const METHODS = {
  grid: 'Every combination of the parameters\' `values`, in file order (the last parameter varies fastest). `trials`, if set, caps the count.',
  random: '`trials` independent draws from the parameters\' distributions, seeded by `seed`: the same file gives the same trials.',
} as const;

export const DIRECTIONS = {
  maximize: 'Larger is better (accuracy, f1).',
  minimize: 'Smaller is better (loss, mse).',
} as const;

export const ParameterSchema = Type.Object(
  {
    values: Type.Optional(
      Type.Array(Type.Unknown(), {
        minItems: 1,
        markdownDescription: 'The values to try: every one with `method: grid`, one drawn per trial with `random` (as `distribution: choice`). Each is checked against the trainer field it sets.',
        examples: [[8, 16, 32]],
      }),
    ),
    distribution: Type.Optional(
      StringEnum(DISTRIBUTIONS, { markdownDescription: 'How `method: random` draws this parameter. Default: `choice` when `values` is given.' }),
    ),
    min: Type.Optional(Type.Number({ markdownDescription: 'Lower bound of `uniform`, `log_uniform` and `int_uniform`.' })),
    max: Type.Optional(Type.Number({ markdownDescription: 'Upper bound of `uniform`, `log_uniform` and `int_uniform`.' })),
  },
  {
    additionalProperties: false,
    markdownDescription: 'One parameter: grid/choice `values`, or a `distribution` with `min` and `max`.',
  },
);

export const ObjectiveSchema = Type.Object(
  {
    metric_for_best_model: Type.String({
      default: 'eval_loss',
      markdownDescription: 'The evaluation metric trials are ranked by, as `metric_for_best_model` names it (`loss`, `accuracy`, ... with or without `eval_`). It must be computed by the base config.',
      examples: ['eval_accuracy'],
    }),
    direction: Type.Optional(
      StringEnum(DIRECTIONS, {
        markdownDescription: 'Whether larger or smaller is better. Default: `minimize` for losses and errors, `maximize` otherwise (the trainer\'s `greater_is_better` rule).',
      }),
    ),
  },
  { additionalProperties: false, default: {}, markdownDescription: 'What the sweep optimises.' },
);

export const EarlyTerminationSchema = Type.Object(
  {
    type: StringEnum(
      { asha: 'Asynchronous Successive Halving (Li et al. 2018): at each rung a trial continues only if it ranks in the top 1/`reduction_factor` of the trials that reached that rung.' },
      { default: 'asha', markdownDescription: 'The early-termination rule.' },
    ),
    min_steps: Type.Integer({
      minimum: 1,
      default: 1,
      markdownDescription: 'The first rung, in optimizer steps (ASHA\'s minimum resource `r`). Rung k is at `min_steps * reduction_factor^k` steps.',
    }),
    reduction_factor: Type.Integer({
      minimum: 2,
      default: 3,
      markdownDescription: 'ASHA\'s `eta`: the top 1/eta of the trials at a rung continue.',
    }),
  },
  {
    additionalProperties: false,
    markdownDescription: 'Stop trials early whose objective falls behind (they end as `pruned`, with a checkpoint). Needs `eval_strategy: steps` in the base config.',
  },
);

export const SweepSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ markdownDescription: 'JSON Schema reference for other editors.' })),
    base: Type.String({
      markdownDescription: 'The trainer config (`*.trainer.yaml`) every trial starts from. Relative to the sweep file.',
      examples: ['sentiment.trainer.yaml'],
    }),
    method: StringEnum(METHODS, { default: 'random', markdownDescription: 'How trials are chosen.' }),
    trials: Type.Optional(
      Type.Integer({ minimum: 1, markdownDescription: 'How many trials: required with `method: random`; with `grid`, at most this many combinations.' }),
    ),
    seed: Type.Integer({ default: 0, markdownDescription: 'Seed of the random search (not of training: that is `training_args.seed`, which can be a parameter too).' }),
    parallel: Type.Integer({ minimum: 1, default: 1, markdownDescription: 'Trials run at once (locally: processes; on Slurm: the job array\'s `%N`). `--parallel` overrides it.' }),
    output_dir: Type.Optional(
      Type.String({
        markdownDescription: 'Folder of the sweep: one run directory per trial (`trial-000`, ...), `sweep.jsonl` and `sweep.csv`. Relative to the sweep file. Default: `runs/<sweep file name>`.',
      }),
    ),
    parameters: Type.Record(Type.String(), ParameterSchema, {
      markdownDescription: 'Trainer-config fields to vary, by dotted path (`training_args.learning_rate`, `model.dropout`).',
      examples: [{ 'training_args.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1e-2 } }],
    }),
    objective: ObjectiveSchema,
    early_termination: Type.Optional(EarlyTerminationSchema),
    launcher: Type.Optional(LauncherSchema),
  },
  { additionalProperties: false, title: 'Fine-Tune Studio sweep' },
);

export type ParameterSpec = Static<typeof ParameterSchema>;
export type SweepFile = Static<typeof SweepSchema>;
export type EarlyTermination = Static<typeof EarlyTerminationSchema>;
