/**
 * A run submitted to Slurm from the editor and followed by the run manager like a local one:
 * launchSlurmRun writes the sbatch script and submits it, the returned watch turns metrics.jsonl
 * and squeue/sacct into the run's events, and a stop is `scancel --batch --signal=INT`. No vscode
 * import: the command (client/slurm-command.ts) asks the questions, this does the work.
 */
import { launchSlurmRun } from '../src/launcher/slurm/launch';
import type { SlurmJobs } from '../src/launcher/slurm/job';
import type { ClusterConfig } from '../src/launcher/slurm/schema';
import type { RunManager, RunState } from './run-manager';
import type { TrainerEntry } from './training-process';

export interface NodeRuntime {
  execPath: string;
  /** Set when the extension host is Electron (desktop VS Code), whose binary runs as Node only when told. */
  electron?: string;
}

/**
 * What the batch script runs before `train …`: the cluster's `node` when given, else this
 * extension host's own runtime (the right one when the job runs on this machine or a node that
 * shares its filesystem). Electron needs ELECTRON_RUN_AS_NODE, set through `env` (a program,
 * so every word stays an argument).
 */
export function slurmNodeCommand(entry: TrainerEntry, cluster: Pick<ClusterConfig, 'node'>, runtime: NodeRuntime = { execPath: process.execPath, electron: process.versions.electron }): string[] {
  const cli = [...(entry.execArgv ?? []), entry.modulePath];
  if (cluster.node) return [cluster.node, ...cli];
  return runtime.electron ? ['env', 'ELECTRON_RUN_AS_NODE=1', runtime.execPath, ...cli] : [runtime.execPath, ...cli];
}

export interface SlurmStartOptions {
  configPath: string;
  outputDir?: string;
  cluster: ClusterConfig;
  entry: TrainerEntry;
  resume?: boolean;
  /** Default: the cluster's ssh_host, or this machine. */
  jobs?: SlurmJobs;
  pollMs?: number;
}

/** Submits the run and adopts it; rejects (nothing adopted) when sbatch is missing or refuses the job. */
export async function startSlurmRun(runManager: RunManager, options: SlurmStartOptions): Promise<{ run: RunState; jobId: string; scriptPath: string }> {
  let submitted: { jobId: string; scriptPath: string } | undefined;
  const run = await runManager.adopt({ configPath: options.configPath, outputDir: options.outputDir }, async () => {
    const launched = await launchSlurmRun({
      configPath: options.configPath,
      cluster: options.cluster,
      command: slurmNodeCommand(options.entry, options.cluster),
      resume: options.resume,
      jobs: options.jobs,
      pollMs: options.pollMs,
    });
    submitted = launched.run;
    return launched.watch;
  });
  if (!submitted) throw new Error('the Slurm launcher returned no job');
  return { run, ...submitted };
}
