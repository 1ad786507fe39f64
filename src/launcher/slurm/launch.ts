/**
 * Submit a run to Slurm and follow it: what the editor's "Submit to Slurm" does (the CLI's
 * `submit` only submits). The returned watch emits the trainer's events from metrics.jsonl and
 * the job's states, as a local trainer process emits its events.
 */
import { join } from 'node:path';
import { SlurmCommands } from './commands';
import { SlurmJobs } from './job';
import { MetricsTail } from './metrics-tail';
import type { ClusterConfig } from './schema';
import { submitRun, type SubmittedRun } from './submit';
import { SlurmRunWatch } from './watch';

export interface LaunchSlurmRunOptions {
  configPath: string;
  cluster: ClusterConfig;
  /** node, its flags and the CLI module, as the compute node runs them. */
  command: string[];
  resume?: boolean;
  /** Default: the cluster's `ssh_host`, or this machine. */
  jobs?: SlurmJobs;
  pollMs?: number;
  pendingWarningMs?: number;
}

export async function launchSlurmRun(options: LaunchSlurmRunOptions): Promise<{ run: SubmittedRun; watch: SlurmRunWatch }> {
  const jobs = options.jobs ?? new SlurmJobs(new SlurmCommands({ sshHost: options.cluster.ssh_host }));
  const run = await submitRun({ configPath: options.configPath, cluster: options.cluster, command: options.command, jobs, resume: options.resume });
  const watch = new SlurmRunWatch({
    jobs,
    jobId: run.jobId,
    runDir: run.runDir,
    errFile: run.errFile,
    metrics: new MetricsTail(join(run.runDir, 'metrics.jsonl'), run.metricsOffset),
    host: options.cluster.ssh_host,
    pollMs: options.pollMs,
    pendingWarningMs: options.pendingWarningMs,
  });
  return { run, watch };
}
