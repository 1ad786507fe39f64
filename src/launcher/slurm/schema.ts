/**
 * Where and how runs go to Slurm: a `*.cluster.yaml` file (or the same keys under a sweep's
 * `launcher:`). TypeBox, like the trainer schema; validated by the same walker.
 */
import { Type, type Static } from '@sinclair/typebox';

export const ClusterSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ markdownDescription: 'JSON Schema reference for other editors.' })),
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
  },
  { additionalProperties: false, title: 'Fine-Tune Studio Slurm cluster' },
);

export type ClusterConfig = Static<typeof ClusterSchema>;
