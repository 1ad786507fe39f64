/**
 * Fine-Tune: Start Training on Slurm. The config is the argument, the active editor's, or a pick;
 * the cluster is the second argument (a *.cluster.yaml), else the config's `launcher:` section,
 * else the workspace's *.cluster.yaml (a pick when there are several), else Slurm's defaults.
 * The run is adopted by the run manager, so the dashboard, status bar and Stop treat it as a local one.
 */
import { basename, relative, dirname } from 'node:path';
import * as vscode from 'vscode';
import { formatProblem, hasErrors } from '../src/config/problems';
import { loadClusterFile } from '../src/launcher/slurm/load-cluster';
import { clusterFromLauncher, type ClusterConfig } from '../src/launcher/slurm/schema';
import { Commands } from '../src/protocol/commands';
import { CLUSTER_GLOB } from '../src/protocol/config-files';
import { checkpointsOf, describeErrors, loadConfig, pickConfig, type LoadedConfig } from './config-picker';
import type { RunManager, RunState } from './run-manager';
import { startSlurmRun } from './slurm-run';
import type { TrainerEntry } from './training-process';

export interface SlurmCommandHost {
  runManager: RunManager;
  entry: TrainerEntry;
  output: vscode.LogOutputChannel;
  openDashboard(): void;
  openDashboardOnStart(): boolean;
}

type ClusterChoice = { cluster: ClusterConfig; source: string } | undefined;

function pathOf(argument: unknown): string | undefined {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  return typeof argument === 'string' && argument !== '' ? argument : undefined;
}

async function clusterFile(path: string): Promise<ClusterChoice> {
  const loaded = loadClusterFile(path);
  if (hasErrors(loaded.problems) || !loaded.cluster) {
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    void vscode.window.showErrorMessage(`Cannot submit to Slurm: ${basename(path)} has errors.\n${errors.slice(0, 3).map(formatProblem).join('\n')}`);
    return undefined;
  }
  return { cluster: loaded.cluster, source: path };
}

async function chooseCluster(loaded: LoadedConfig, argument: unknown): Promise<ClusterChoice> {
  const given = pathOf(argument);
  if (given !== undefined) return clusterFile(given);
  if (loaded.config?.launcher) return { cluster: clusterFromLauncher(loaded.config.launcher), source: `the launcher: section of ${basename(loaded.path)}` };
  const files = await vscode.workspace.findFiles(CLUSTER_GLOB, '**/node_modules/**', 50);
  if (files.length === 0) return { cluster: clusterFromLauncher(undefined), source: "Slurm's defaults (no launcher: section or *.cluster.yaml)" };
  if (files.length === 1) return clusterFile(files[0].fsPath);
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Start Training on Slurm: which cluster file?' },
  );
  return picked ? clusterFile(picked.uri.fsPath) : undefined;
}

export function registerSlurmCommand(host: SlurmCommandHost): vscode.Disposable {
  const start = async (configArgument?: unknown, clusterArgument?: unknown): Promise<RunState | undefined> => {
    const uri = await pickConfig(configArgument, 'Start training on Slurm');
    if (!uri) return undefined;
    const loaded = await loadConfig(uri);
    if (!loaded.config || loaded.errors.length > 0) {
      void vscode.window.showErrorMessage(`Cannot submit to Slurm: the config has errors.\n${describeErrors(loaded)}`);
      return undefined;
    }
    // The batch job runs the custom trainer module as a local run would: not from an untrusted folder.
    if (loaded.config.trainer && !vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(`Submission refused: ${basename(loaded.path)} loads the custom trainer module ${loaded.config.trainer}, which runs code from this workspace. Trust the workspace to run it.`);
      return undefined;
    }
    const choice = await chooseCluster(loaded, clusterArgument);
    if (!choice) return undefined;
    // As a local start: a folder with checkpoints is resumed (the job's --resume) or left alone.
    let resume = false;
    if (checkpointsOf(loaded).length > 0 && !loaded.config.training_args.overwrite_output_dir) {
      const resumeLatest = 'Resume from the latest checkpoint';
      const answer = await vscode.window.showWarningMessage(
        `${relative(dirname(loaded.path), loaded.outputDir ?? '')} already holds checkpoints. Resume on Slurm, or set training_args.overwrite_output_dir: true to start afresh.`,
        resumeLatest,
      );
      if (answer !== resumeLatest) return undefined;
      resume = true;
    }
    try {
      const started = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Submitting ${basename(loaded.path)} to Slurm…` },
        () => startSlurmRun(host.runManager, { configPath: loaded.path, outputDir: loaded.outputDir, cluster: choice.cluster, entry: host.entry, resume }),
      );
      host.output.info(
        `Submitted ${started.run.id} as Slurm job ${started.jobId} (cluster from ${choice.source})${resume ? ', resuming from the latest checkpoint' : ''}: ${started.scriptPath}`,
      );
      if (host.openDashboardOnStart()) host.openDashboard();
      return started.run;
    } catch (error) {
      const message = `Could not submit ${basename(loaded.path)} to Slurm: ${(error as Error).message}`;
      host.output.error(message);
      void vscode.window.showErrorMessage(message, 'Show Log').then((picked) => {
        if (picked) host.output.show(true);
      });
      return undefined;
    }
  };
  return vscode.commands.registerCommand(Commands.startTrainingOnSlurm, start);
}
