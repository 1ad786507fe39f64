/**
 * Finding the config a command acts on (argument, active editor, or a pick from the workspace),
 * reading it with the shared validator, and the facts commands need: output folder, checkpoints.
 */
import { dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import { loadConfigFile } from '../src/cli/config-host';
import { formatProblem, type Problem, type TrainerConfig } from '../src/config';
import { listCheckpoints } from '../src/trainer/checkpoints';
import { CONFIG_GLOB, isTrainerConfigPath } from '../src/protocol/config-files';

/** The config URI: the command argument, else the active editor's file, else a quick pick. */
export async function pickConfig(argument: unknown, title: string): Promise<vscode.Uri | undefined> {
  if (argument instanceof vscode.Uri) return argument;
  if (typeof argument === 'string' && argument !== '') return vscode.Uri.file(argument);
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && isTrainerConfigPath(active.fsPath)) return active;
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 500);
  if (files.length === 0) {
    const create = 'New Trainer Config…';
    const choice = await vscode.window.showErrorMessage('No trainer config (*.trainer.yaml) in this workspace.', create);
    if (choice === create) await vscode.commands.executeCommand('finetuneStudio.newTrainerConfig');
    return undefined;
  }
  if (files.length === 1) return files[0];
  const picked = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title, placeHolder: 'Pick a trainer config' },
  );
  return picked?.uri;
}

export interface LoadedConfig {
  path: string;
  config?: TrainerConfig;
  problems: Problem[];
  errors: Problem[];
  outputDir?: string;
}

export async function loadConfig(uri: vscode.Uri): Promise<LoadedConfig> {
  // Unsaved edits count: the run must use what the person sees.
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
  if (open?.isDirty) await open.save();
  const loaded = await loadConfigFile(uri.fsPath);
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  const outputDir = loaded.config ? resolve(dirname(uri.fsPath), loaded.config.training_args.output_dir) : undefined;
  return { path: uri.fsPath, config: loaded.config, problems: loaded.problems, errors, outputDir };
}

export function describeErrors(loaded: LoadedConfig): string {
  return loaded.errors.slice(0, 3).map(formatProblem).join('\n') + (loaded.errors.length > 3 ? `\n… and ${loaded.errors.length - 3} more` : '');
}

export function checkpointsOf(loaded: LoadedConfig): string[] {
  return loaded.outputDir ? listCheckpoints(loaded.outputDir) : [];
}
