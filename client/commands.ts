/**
 * The "Fine-Tune" commands. Each resolves its config, checks it, and asks the run manager to act.
 * Starting a run that loads a custom trainer module (user code) is refused in an untrusted workspace.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { readTextHead } from '../src/cli/config-host';
import { columnsFromHead, COLUMN_HEAD_BYTES } from '../src/config/data-columns';
import { Commands } from '../src/protocol/commands';
import { checkpointsOf, describeErrors, loadConfig, pickConfig, type LoadedConfig } from './config-picker';
import type { RunManager, RunState } from './run-manager';
import type { StudioSettings } from './settings';
import { renderConfigScaffold, renderCustomTrainerSkeleton, type ScaffoldTask } from './scaffold';

export interface CommandHost {
  runManager: RunManager;
  output: vscode.LogOutputChannel;
  openDashboard(): void;
  /** The settings now (backend for new runs, whether to open the dashboard). */
  settings(): Readonly<StudioSettings>;
}

export function registerCommands(host: CommandHost): vscode.Disposable[] {
  const start = async (argument?: unknown, resume?: string | boolean): Promise<RunState | undefined> => {
    const uri = await pickConfig(argument, resume ? 'Resume training' : 'Start training');
    if (!uri) return undefined;
    const loaded = await loadConfig(uri);
    if (!loaded.config || loaded.errors.length > 0) {
      const show = 'Show Problems';
      const choice = await vscode.window.showErrorMessage(`Cannot train: the config has errors.\n${describeErrors(loaded)}`, show);
      if (choice === show) await vscode.commands.executeCommand('workbench.actions.view.problems');
      return undefined;
    }
    if (loaded.config.trainer && !vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const choice = await vscode.window.showErrorMessage(
        `Training refused: ${basename(loaded.path)} loads the custom trainer module ${loaded.config.trainer}, which runs code from this workspace. Trust the workspace to run it.`,
        manage,
      );
      if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    let resumeFrom = resume;
    const checkpoints = checkpointsOf(loaded);
    if (!resumeFrom && checkpoints.length > 0 && !loaded.config.training_args.overwrite_output_dir) {
      resumeFrom = await askResumeOrCancel(loaded, checkpoints);
      if (resumeFrom === undefined) return undefined;
    }
    try {
      const run = host.runManager.start({
        configPath: loaded.path,
        outputDir: loaded.outputDir,
        resume: resumeFrom,
        backend: host.settings().backend,
        cwd: dirname(loaded.path),
        // The trainer refuses user code on its own too, whoever asked for the run.
        allowUserCode: vscode.workspace.isTrusted,
      });
      host.output.info(`Started ${run.id}: ${loaded.path}${resumeFrom ? ` (resume ${resumeFrom === true ? 'latest' : resumeFrom})` : ''}`);
      if (host.settings().openDashboardOnStart) host.openDashboard();
      return run;
    } catch (error) {
      void vscode.window.showErrorMessage((error as Error).message);
      return undefined;
    }
  };

  /** The run a command acts on: a run id (the dashboard), a config (editor title, explorer), the only active run, or a pick. */
  const pickActiveRun = async (argument: unknown, title: string): Promise<RunState | undefined> => {
    const active = host.runManager.active();
    let run =
      typeof argument === 'string'
        ? host.runManager.get(argument)
        : argument instanceof vscode.Uri
          ? host.runManager.findActive({ configPath: argument.fsPath })
          : undefined;
    if (!run && active.length === 1) run = active[0];
    if (!run && active.length > 1) {
      const picked = await vscode.window.showQuickPick(
        active.map((r) => ({ label: vscode.workspace.asRelativePath(r.configPath), description: `step ${r.progress.step}/${r.progress.totalSteps}`, run: r })),
        { title, placeHolder: 'Pick the run' },
      );
      run = picked?.run;
    }
    if (!run && active.length === 0) void vscode.window.showInformationMessage('No training run is active.');
    return run;
  };

  const stop = async (argument?: unknown): Promise<void> => {
    const run = await pickActiveRun(argument, 'Stop training');
    if (!run) return;
    host.output.info(`Stopping ${run.id} (a checkpoint is written first)…`);
    const end = await host.runManager.stop(run.id);
    if (end?.checkpoint) void vscode.window.showInformationMessage(`Training stopped at step ${end.step}; checkpoint ${basename(end.checkpoint)} saved.`);
  };

  /** Pause, continue or save-now: sent to the run's trainer, which acts between steps. */
  const control = (type: 'pause' | 'resume' | 'save', verb: string) => async (argument?: unknown): Promise<boolean> => {
    const run = await pickActiveRun(argument, `${verb} training`);
    if (!run) return false;
    const sent = host.runManager.control(run.id, type);
    host.output.info(sent ? `${verb}: ${run.id} at step ${run.progress.step}` : `${verb}: ${run.id} has no running trainer`);
    return sent;
  };

  const resumeFromCheckpoint = async (argument?: unknown, checkpoint?: unknown): Promise<RunState | undefined> => {
    if (typeof checkpoint === 'string' && checkpoint !== '') return start(argument, checkpoint);
    const uri = await pickConfig(argument, 'Resume from checkpoint');
    if (!uri) return undefined;
    const checkpoints = checkpointsOf(await loadConfig(uri)).reverse();
    if (checkpoints.length === 0) {
      void vscode.window.showInformationMessage(`${basename(uri.fsPath)} has no checkpoint to resume from yet.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      checkpoints.map((dir, i) => ({ label: basename(dir), description: i === 0 ? 'latest' : undefined, dir })),
      { title: 'Resume from checkpoint' },
    );
    return picked ? start(uri, picked.dir) : undefined;
  };

  const validate = async (argument?: unknown): Promise<number | undefined> => {
    const uri = await pickConfig(argument, 'Validate config');
    if (!uri) return undefined;
    const loaded = await loadConfig(uri);
    for (const problem of loaded.problems) host.output.info(formatProblemLine(problem, loaded));
    if (loaded.errors.length > 0) void vscode.window.showErrorMessage(`${basename(uri.fsPath)}: ${loaded.errors.length} error(s).\n${describeErrors(loaded)}`);
    else void vscode.window.showInformationMessage(`${basename(uri.fsPath)} is valid${loaded.problems.length ? ` (${loaded.problems.length} warning(s))` : ''}.`);
    return loaded.errors.length;
  };

  return [
    vscode.commands.registerCommand(Commands.startTraining, (argument?: unknown) => start(argument)),
    vscode.commands.registerCommand(Commands.stopTraining, stop),
    vscode.commands.registerCommand(Commands.resumeTraining, resumeFromCheckpoint),
    vscode.commands.registerCommand(Commands.pauseTraining, control('pause', 'Pause')),
    vscode.commands.registerCommand(Commands.continueTraining, control('resume', 'Continue')),
    vscode.commands.registerCommand(Commands.saveCheckpoint, control('save', 'Save checkpoint')),
    vscode.commands.registerCommand(Commands.openDashboard, () => host.openDashboard()),
    vscode.commands.registerCommand(Commands.validateConfig, validate),
    vscode.commands.registerCommand(Commands.newTrainerConfig, newTrainerConfig),
    vscode.commands.registerCommand(Commands.newCustomTrainer, newCustomTrainer),
  ];
}

function formatProblemLine(problem: LoadedConfig['problems'][number], loaded: LoadedConfig): string {
  return `${loaded.path}:${problem.range.start.line + 1}:${problem.range.start.character + 1}: ${problem.severity}: ${problem.message} [${problem.code}]`;
}

async function askResumeOrCancel(loaded: LoadedConfig, checkpoints: string[]): Promise<string | undefined> {
  const latest = checkpoints[checkpoints.length - 1];
  const resume = `Resume from ${basename(latest)}`;
  const choice = await vscode.window.showWarningMessage(
    `${relative(dirname(loaded.path), loaded.outputDir ?? '')} already holds checkpoints. Resume, or set training_args.overwrite_output_dir: true to start afresh.`,
    { modal: false },
    resume,
  );
  return choice === resume ? latest : undefined;
}

/** Wizard: task, data file, columns; writes a commented config next to the data. */
async function newTrainerConfig(): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const task = await vscode.window.showQuickPick(
    [
      { label: 'Text classification', description: 'text + label columns', task: 'text-classification' as ScaffoldTask },
      { label: 'Tabular classification', description: 'numeric feature columns + label', task: 'tabular-classification' as ScaffoldTask },
      { label: 'Regression', description: 'numeric features + a numeric target', task: 'regression' as ScaffoldTask },
    ],
    { title: 'New Trainer Config (1/4): task' },
  );
  if (!task) return undefined;
  const data = await vscode.window.showOpenDialog({
    title: 'New Trainer Config (2/4): training data',
    defaultUri: folder,
    canSelectMany: false,
    filters: { 'Datasets (JSONL, CSV)': ['jsonl', 'csv'] },
  });
  const dataFile = data?.[0];
  if (!dataFile) return undefined;
  const columns = readColumns(dataFile.fsPath);
  const pickColumn = async (title: string, preferred: string) =>
    columns.length > 0
      ? (await vscode.window.showQuickPick(columns.map((c) => ({ label: c, picked: c === preferred })), { title }))?.label
      : await vscode.window.showInputBox({ title, value: preferred });
  const textColumn = task.task === 'text-classification' ? await pickColumn('New Trainer Config (3/4): text column', 'text') : undefined;
  if (task.task === 'text-classification' && !textColumn) return undefined;
  const labelColumn = await pickColumn('New Trainer Config (4/4): label column', 'label');
  if (!labelColumn) return undefined;
  const target = await vscode.window.showSaveDialog({
    title: 'Save the trainer config',
    defaultUri: vscode.Uri.file(join(dirname(dataFile.fsPath), 'train.trainer.yaml')),
    filters: { 'Trainer config': ['yaml'] },
  });
  if (!target) return undefined;
  const configDir = dirname(target.fsPath);
  const text = renderConfigScaffold({
    task: task.task,
    trainFile: relative(configDir, dataFile.fsPath).split('\\').join('/'),
    textColumn,
    labelColumn,
    featureColumns: task.task === 'text-classification' ? undefined : columns.filter((c) => c !== labelColumn),
    numLabels: 2,
    outputDir: `runs/${basename(target.fsPath).replace(/\.trainer\.ya?ml$/, '')}`,
  });
  writeFileSync(target.fsPath, text);
  await vscode.window.showTextDocument(target);
  return target;
}

/** Column names from a CSV header or the first JSONL records; empty when unreadable. */
function readColumns(path: string): string[] {
  const head = readTextHead(path, COLUMN_HEAD_BYTES);
  return head === undefined ? [] : (columnsFromHead(head, path) ?? []);
}

async function newCustomTrainer(): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: 'New Custom Trainer',
    defaultUri: folder ? vscode.Uri.joinPath(folder, 'my_trainer.ts') : undefined,
    filters: { TypeScript: ['ts'] },
  });
  if (!target) return undefined;
  if (existsSync(target.fsPath)) {
    void vscode.window.showErrorMessage(`${basename(target.fsPath)} exists; pick a new file name.`);
    return undefined;
  }
  const words = basename(target.fsPath, '.ts').split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  // A class name must not start with a digit.
  const className = /^[A-Za-z]/.test(joined) ? joined : `My${joined}Trainer`;
  writeFileSync(target.fsPath, renderCustomTrainerSkeleton(className, basename(target.fsPath)));
  await vscode.window.showTextDocument(target);
  return target;
}
