/**
 * `finetune-studio submit <config> [--cluster <file.cluster.yaml>] [--resume]`: one run as a
 * Slurm job. Writes slurm.sbatch into the run directory, submits it with `sbatch --parsable`
 * and prints the job id; metrics arrive in the run's metrics.jsonl as with a local run.
 * Stop it with `scancel --batch --signal=INT <id>` (checkpoint), resume with `submit --resume`.
 */
import { formatProblem, hasErrors } from '../config/problems';
import { SlurmCommands } from '../launcher/slurm/commands';
import { SlurmJobs } from '../launcher/slurm/job';
import { loadClusterFile } from '../launcher/slurm/load-cluster';
import { clusterFromLauncher } from '../launcher/slurm/schema';
import { submitRun } from '../launcher/slurm/submit';
import { loadConfigFile } from './config-host';
import { selfCommand } from './sweep';

const USAGE = 'Usage: finetune-studio submit <config> [--cluster <file.cluster.yaml>] [--resume]\n';

export async function runSubmit(argv: string[]): Promise<number> {
  let config: string | undefined;
  let clusterFile: string | undefined;
  let resume = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--resume') resume = true;
    else if (arg === '--cluster') clusterFile = argv[++i];
    else if (arg.startsWith('--cluster=')) clusterFile = arg.slice('--cluster='.length);
    else if (arg.startsWith('-') || config) {
      process.stderr.write(`finetune-studio submit: unexpected ${arg}\n${USAGE}`);
      return 2;
    } else config = arg;
  }
  if (!config) {
    process.stderr.write(USAGE);
    return 2;
  }
  // --cluster wins over the config's launcher: section.
  const loaded = clusterFile ? loadClusterFile(clusterFile) : { cluster: clusterFromLauncher(await launcherOf(config)), problems: [] };
  for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (hasErrors(loaded.problems) || !loaded.cluster) return 1;
  const cluster = loaded.cluster;
  const self = selfCommand();
  try {
    const run = await submitRun({
      configPath: config,
      cluster,
      command: [cluster.node ?? self.execPath, ...self.args],
      jobs: new SlurmJobs(new SlurmCommands({ sshHost: cluster.ssh_host })),
      resume,
    });
    process.stdout.write(`${run.jobId}\n`);
    process.stderr.write(`submitted job ${run.jobId}: ${run.scriptPath}; metrics in ${run.runDir}/metrics.jsonl\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`finetune-studio submit: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** The config's `launcher:` section, when the config loads (its errors are reported by submitRun). */
async function launcherOf(configPath: string) {
  return (await loadConfigFile(configPath)).config?.launcher;
}
