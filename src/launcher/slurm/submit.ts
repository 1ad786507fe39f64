/** One training run as a Slurm job: the sbatch script goes into the run directory, then sbatch. */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfigFile } from '../../cli/config-host';
import { formatProblem } from '../../config/problems';
import { SlurmJobs } from './job';
import type { ClusterConfig } from './schema';
import { logFileNames, renderSbatchScript } from './script';

export interface SubmitRunOptions {
  configPath: string;
  cluster: ClusterConfig;
  /** node, its flags and the CLI module, as the compute node runs them. */
  command: string[];
  jobs?: SlurmJobs;
  /** Resume from the run directory's latest checkpoint (after a stop). */
  resume?: boolean;
}

export interface SubmittedRun {
  jobId: string;
  runDir: string;
  scriptPath: string;
  /** The job's stderr file. */
  errFile: string;
  /** metrics.jsonl's size before the submission: where this job's events start. */
  metricsOffset: number;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export async function submitRun(options: SubmitRunOptions): Promise<SubmittedRun> {
  const configPath = resolve(options.configPath);
  const loaded = await loadConfigFile(configPath);
  if (!loaded.config) throw new Error(`the config has errors; nothing was submitted:\n${loaded.problems.filter((p) => p.severity === 'error').map(formatProblem).join('\n')}`);
  const runDir = resolve(dirname(configPath), loaded.config.training_args.output_dir);
  mkdirSync(runDir, { recursive: true });
  const scriptPath = join(runDir, 'slurm.sbatch');
  const metricsOffset = sizeOf(join(runDir, 'metrics.jsonl'));
  writeFileSync(
    scriptPath,
    renderSbatchScript({ jobName: basename(runDir), runDirs: [runDir], configPaths: [configPath], logDir: runDir, command: options.command, cluster: options.cluster, resume: options.resume }),
  );
  const jobId = await (options.jobs ?? new SlurmJobs()).submit(scriptPath);
  writeFileSync(join(runDir, 'slurm-job.json'), JSON.stringify({ jobId, scriptPath, submitted: Date.now() }, null, 2) + '\n');
  return { jobId, runDir, scriptPath, errFile: join(runDir, logFileNames(false).err.replace('%j', jobId)), metricsOffset };
}
