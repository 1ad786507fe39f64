/**
 * The sbatch script written into the run directory (or the sweep folder for a job array).
 *
 * The batch shell runs the trainer in the background and forwards signals to it, because Slurm
 * signals the batch shell (`--signal=B:USR1@N`, `scancel --batch --signal=INT`):
 * - INT/TERM: the trainer checkpoints and exits, as with Ctrl-C;
 * - USR1 (the time limit is near, or a preemption warning): the trainer checkpoints and exits,
 *   then the shell runs `scontrol requeue`; the requeued job (SLURM_RESTART_COUNT > 0) resumes
 *   from the latest checkpoint in its run directory.
 */
import { shellQuote } from './commands';
import type { ClusterConfig } from './schema';

export interface ScriptOptions {
  jobName: string;
  /** Run directories; one makes a plain job, several a job array indexed by SLURM_ARRAY_TASK_ID. */
  runDirs: string[];
  /** The trainer config inside each run directory (file name), or absolute paths, one per run. */
  configPaths: string[];
  /** Where the job's stdout/stderr files go. */
  logDir: string;
  /** node and its flags, then the CLI module: `node [--import tsx] cli.js`. */
  command: string[];
  cluster: ClusterConfig;
  /** Resume from the latest checkpoint even on the first start (a user's resume after a stop). */
  resume?: boolean;
}

const q = shellQuote;

/** `slurm-<job>.out` / `.err`, or `slurm-<array>_<task>.*` for arrays. */
export function logFileNames(array: boolean): { out: string; err: string } {
  const id = array ? '%A_%a' : '%j';
  return { out: `slurm-${id}.out`, err: `slurm-${id}.err` };
}

export function renderSbatchScript(o: ScriptOptions): string {
  const c = o.cluster;
  const array = o.runDirs.length > 1;
  const logs = logFileNames(array);
  const directives = [
    `--job-name=${o.jobName}`,
    `--output=${o.logDir}/${logs.out}`,
    `--error=${o.logDir}/${logs.err}`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:USR1@${c.signal_seconds}`,
    ...(c.partition ? [`--partition=${c.partition}`] : []),
    ...(c.account ? [`--account=${c.account}`] : []),
    ...(c.gres ? [`--gres=${c.gres}`] : []),
    ...(c.cpus_per_task ? [`--cpus-per-task=${c.cpus_per_task}`] : []),
    ...(c.mem ? [`--mem=${c.mem}`] : []),
    ...(c.time ? [`--time=${c.time}`] : []),
    ...c.sbatch,
  ];
  // #SBATCH lines are read by sbatch, not the shell: a newline would start a new directive.
  const clean = (line: string) => line.replace(/[\r\n]+/g, ' ');
  return [
    '#!/bin/bash',
    '# Written by finetune-studio; submitted with sbatch --parsable.',
    ...directives.map((d) => `#SBATCH ${clean(d)}`),
    '',
    ...c.setup,
    '',
    `RUN_DIRS=(${o.runDirs.map(q).join(' ')})`,
    `CONFIGS=(${o.configPaths.map(q).join(' ')})`,
    'TASK="${SLURM_ARRAY_TASK_ID:-0}"',
    'RUN_DIR="${RUN_DIRS[$TASK]}"',
    'CONFIG="${CONFIGS[$TASK]}"',
    'cd "$RUN_DIR" || exit 1',
    'RESUME=()',
    `if [ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ]${o.resume ? ' || true' : ''}; then`,
    '  if compgen -G "$RUN_DIR/checkpoint-*/trainer_state.json" >/dev/null; then RESUME=(--resume); fi',
    'fi',
    'preempted=0',
    "trap 'preempted=1; kill -USR1 \"$child\" 2>/dev/null' USR1",
    "trap 'kill -INT \"$child\" 2>/dev/null' INT TERM",
    `${o.command.map(q).join(' ')} train "$CONFIG" --json "\${RESUME[@]}" &`,
    'child=$!',
    '# wait returns early when a trapped signal arrives; keep waiting until the trainer is gone.',
    'while :; do',
    '  wait "$child"',
    '  status=$?',
    '  kill -0 "$child" 2>/dev/null || break',
    'done',
    'if [ "$preempted" = 1 ]; then',
    '  echo "finetune-studio: USR1 received; checkpoint written, requeueing job $SLURM_JOB_ID" >&2',
    '  scontrol requeue "$SLURM_JOB_ID"',
    '  exit 0',
    'fi',
    'exit "$status"',
    '',
  ].join('\n');
}
