/**
 * `finetune-studio sweep <file.sweep.yaml> [--parallel N] [--target local|slurm]`: validates the
 * sweep, writes one run directory per trial, runs them (child processes, or a Slurm job array),
 * and ends with sweep.jsonl, sweep.csv and a table, best trial first. Ctrl-C stops every trial
 * with a checkpoint.
 */
import { writeFileSync } from 'node:fs';
import { formatProblem, hasErrors } from '../config/problems';
import { loadSweepFile } from '../sweep/load';
import { runLocalSweep, type CliCommand } from '../sweep/local';
import { planSweep } from '../sweep/plan';
import { foldSweepRecords, parseSweepJsonl, renderCsv, renderTable } from '../sweep/results';
import { readFileSync } from 'node:fs';

const USAGE = 'Usage: finetune-studio sweep <file.sweep.yaml> [--parallel N] [--target local|slurm] [--cluster <file.cluster.yaml>]\n';

export interface SweepCliOptions {
  file: string;
  parallel?: number;
  target: 'local' | 'slurm';
  /** Partition, gres, time, setup lines ... for the Slurm target. */
  cluster?: string;
}

export function parseSweepArgs(argv: string[]): SweepCliOptions | string {
  let file: string | undefined;
  let parallel: number | undefined;
  let target: 'local' | 'slurm' = 'local';
  let cluster: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--parallel') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) return '--parallel needs a positive integer';
      parallel = n;
    } else if (flag === '--target') {
      const t = value();
      if (t !== 'local' && t !== 'slurm') return `--target must be local or slurm, not ${JSON.stringify(t)}`;
      target = t;
    } else if (flag === '--cluster') {
      cluster = value();
      if (!cluster) return '--cluster needs a *.cluster.yaml file';
    } else if (arg.startsWith('--')) return `unknown option ${arg}`;
    else if (file) return `one sweep file at a time (got ${file} and ${arg})`;
    else file = arg;
  }
  if (!file) return 'missing <file.sweep.yaml>';
  if (cluster && target !== 'slurm') return '--cluster goes with --target slurm';
  return { file, parallel, target, ...(cluster ? { cluster } : {}) };
}

/** The command that starts this same CLI in a child: node, its loader flags, the CLI module. */
export function selfCommand(): CliCommand {
  return { execPath: process.execPath, args: [...process.execArgv, process.argv[1]] };
}

export async function runSweep(argv: string[]): Promise<number> {
  const options = parseSweepArgs(argv);
  if (typeof options === 'string') {
    process.stderr.write(`finetune-studio sweep: ${options}\n${USAGE}`);
    return 2;
  }
  const validation = loadSweepFile(options.file);
  for (const problem of validation.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  const sweep = validation.sweep;
  if (!sweep || hasErrors(validation.problems)) return 1;

  const parallel = options.parallel ?? sweep.file.parallel;
  const plan = planSweep(sweep, options.target);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`sweep ${plan.name}: ${plan.trials.length} trial(s), ${parallel} at a time, target ${options.target}; results in ${plan.dir}`);

  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    log('\nStopping every trial with a checkpoint (Ctrl-C again to abort)...');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    if (options.target === 'slurm') {
      const { runSlurmSweep } = await import('../launcher/slurm/sweep');
      const { loadClusterFile } = await import('../launcher/slurm/load-cluster');
      const { SlurmJobs } = await import('../launcher/slurm/job');
      const { SlurmCommands } = await import('../launcher/slurm/commands');
      const { clusterFromLauncher } = await import('../launcher/slurm/schema');
      // --cluster wins over the sweep file's launcher: section.
      const loaded = options.cluster ? loadClusterFile(options.cluster) : { cluster: clusterFromLauncher(sweep.file.launcher), problems: [] };
      for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      if (hasErrors(loaded.problems)) return 1;
      const jobs = new SlurmJobs(new SlurmCommands({ sshHost: loaded.cluster?.ssh_host }));
      await runSlurmSweep({ sweep, plan, parallel, log, signal: abort.signal, cluster: loaded.cluster, jobs, cli: { ...selfCommand(), ...(loaded.cluster?.node ? { execPath: loaded.cluster.node } : {}) } });
    } else {
      await runLocalSweep({ sweep, plan, parallel, cli: selfCommand(), log, signal: abort.signal });
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  const state = foldSweepRecords(parseSweepJsonl(readFileSync(plan.jsonlPath, 'utf8')));
  writeFileSync(plan.csvPath, renderCsv(state));
  process.stdout.write(renderTable(state));
  return state.trials.every((t) => t.status === 'failed') ? 1 : 0;
}
