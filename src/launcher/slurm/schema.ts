/**
 * Where and how runs go to Slurm: a `*.cluster.yaml` file, or the same keys under `launcher:` in
 * a trainer config or a sweep file. One definition: TypeBox, like the trainer schema; validated by
 * the same walker, served by the language server, exported as JSON Schema.
 */
import { Type, type Static } from '@sinclair/typebox';

const CLUSTER_FIELDS = {
  partition: Type.Optional(Type.String({ markdownDescription: '`#SBATCH --partition`.', examples: ['gpu'] })),
  account: Type.Optional(Type.String({ markdownDescription: '`#SBATCH --account`.' })),
  gres: Type.Optional(Type.String({ markdownDescription: '`#SBATCH --gres`, e.g. `gpu:1`. A run uses one device.', examples: ['gpu:1'] })),
  cpus_per_task: Type.Optional(Type.Integer({ minimum: 1, markdownDescription: '`#SBATCH --cpus-per-task`.' })),
  mem: Type.Optional(Type.String({ markdownDescription: '`#SBATCH --mem`, e.g. `16G`.', examples: ['16G'] })),
  time: Type.Optional(Type.String({ markdownDescription: '`#SBATCH --time`, e.g. `02:00:00`. Preemption warning (`--signal=B:USR1@120`) comes 120 s before it.' })),
  setup: Type.Array(Type.String(), {
    default: [],
    markdownDescription: 'Shell lines run before training on the compute node (`module load nodejs`, `source env.sh`). Written as given.',
    examples: [['module load nodejs/20']],
  }),
  sbatch: Type.Array(Type.String(), {
    default: [],
    markdownDescription: 'Extra `#SBATCH` options, one per entry, without the `#SBATCH` prefix (`--qos=short`, `--constraint=a100`).',
  }),
  ssh_host: Type.Optional(
    Type.String({ markdownDescription: 'Run the Slurm commands on this login node over `ssh` (its own config and keys). Paths must be the same there (a shared filesystem).' }),
  ),
  node: Type.Optional(Type.String({ markdownDescription: 'The `node` executable on the compute nodes. Default: the one running the CLI.' })),
  signal_seconds: Type.Integer({ minimum: 10, default: 120, markdownDescription: 'Seconds before the time limit at which the job gets `USR1` (checkpoint and requeue).' }),
};

export const ClusterSchema = Type.Object(
  { $schema: Type.Optional(Type.String({ markdownDescription: 'JSON Schema reference for other editors.' })), ...CLUSTER_FIELDS },
  { additionalProperties: false, title: 'Fine-Tune Studio Slurm cluster' },
);

/** `launcher:` in a trainer config or sweep file: a `*.cluster.yaml`'s keys, inline. */
export const LauncherSchema = Type.Object(CLUSTER_FIELDS, {
  additionalProperties: false,
  markdownDescription:
    'Where the run goes when submitted to Slurm (`finetune-studio submit`, `sweep --target slurm`, the editor\'s **Submit to Slurm**): the keys of a `*.cluster.yaml`. A `--cluster` file given on the command line wins. Local runs ignore it.',
});

export type ClusterConfig = Static<typeof ClusterSchema>;

export const DEFAULT_CLUSTER: ClusterConfig = { setup: [], sbatch: [], signal_seconds: 120 };

/** A `launcher:` section with its defaults filled in (it is optional, so the walker leaves it as written). */
export function clusterFromLauncher(launcher: Partial<ClusterConfig> | undefined): ClusterConfig {
  return { ...DEFAULT_CLUSTER, ...(launcher ?? {}) };
}
