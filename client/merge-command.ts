/**
 * Fine-Tune: Merge LoRA Adapter. The adapter is the argument (a folder, or a run id), else a pick
 * among this window's completed LoRA runs and the workspace's adapter folders, or a folder chosen
 * in a dialog; the target folder is the second argument or chosen in a save dialog. The merge runs in
 * a child process (client/merge-process.ts) behind a cancellable notification.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../src/protocol/commands';
import { ADAPTER_CONFIG_FILE, isAdapterFolder } from '../src/trainer/io/peft-names';
import { runMergeProcess, type MergeOutcome } from './merge-process';
import type { RunManager } from './run-manager';
import type { TrainerEntry } from './training-process';

export interface MergeCommandHost {
  runManager: RunManager;
  entry: TrainerEntry;
  output: vscode.LogOutputChannel;
}

function pathOf(argument: unknown): string | undefined {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  return typeof argument === 'string' && argument !== '' ? argument : undefined;
}

/**
 * Adapter folders to offer: completed runs of this window first (newest first), then every folder
 * of the workspace holding adapter_config.json (earlier runs, their checkpoints, downloaded adapters).
 */
async function adapterFolders(runManager: RunManager): Promise<string[]> {
  const runs = runManager
    .list()
    .filter((r) => r.phase === 'completed' && r.outputDir !== undefined && isAdapterFolder(r.outputDir))
    .sort((a, b) => b.startedAt - a.startedAt)
    .map((r) => r.outputDir as string);
  const found = await vscode.workspace.findFiles(`**/${ADAPTER_CONFIG_FILE}`, '**/node_modules/**', 200);
  const folders = found.map((uri) => dirname(uri.fsPath)).sort((a, b) => a.localeCompare(b));
  return [...new Set([...runs, ...folders])];
}

async function pickAdapter(host: MergeCommandHost, argument: unknown): Promise<string | undefined> {
  const given = pathOf(argument);
  if (given !== undefined) return host.runManager.get(given)?.outputDir ?? given;
  const browse = { label: '$(folder-opened) Choose an adapter folder…', dir: undefined };
  const runs = (await adapterFolders(host.runManager)).map((dir) => ({ label: basename(dir), description: vscode.workspace.asRelativePath(dir), dir }));
  const picked = runs.length === 0 ? browse : await vscode.window.showQuickPick([...runs, browse], { title: 'Merge LoRA Adapter: which adapter?', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.dir !== undefined) return picked.dir;
  const [folder] =
    (await vscode.window.showOpenDialog({
      title: 'Merge LoRA Adapter: the adapter folder (a LoRA run or one of its checkpoints)',
      canSelectFolders: true,
      canSelectFiles: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      openLabel: 'Merge this adapter',
    })) ?? [];
  return folder?.fsPath;
}

async function pickTarget(adapterDir: string, argument: unknown): Promise<string | undefined> {
  const given = pathOf(argument);
  if (given !== undefined) return given;
  const target = await vscode.window.showSaveDialog({
    title: 'Merge LoRA Adapter: the new folder for the merged model',
    defaultUri: vscode.Uri.file(`${adapterDir}-merged`),
    saveLabel: 'Merge into this folder',
  });
  return target?.fsPath;
}

function isNonEmptyFolder(path: string): boolean {
  try {
    return readdirSync(path).length > 0;
  } catch {
    return false;
  }
}

export function registerMergeCommand(host: MergeCommandHost): vscode.Disposable {
  const merge = async (adapterArgument?: unknown, targetArgument?: unknown): Promise<MergeOutcome | undefined> => {
    const adapterDir = await pickAdapter(host, adapterArgument);
    if (!adapterDir) return undefined;
    if (!isAdapterFolder(adapterDir)) {
      void vscode.window.showErrorMessage(
        `${adapterDir} holds no LoRA adapter (${ADAPTER_CONFIG_FILE}): pick the output folder of a run with a peft: section, or one of its checkpoints.`,
      );
      return undefined;
    }
    const outDir = await pickTarget(adapterDir, targetArgument);
    if (!outDir) return undefined;
    if (existsSync(outDir) && isNonEmptyFolder(outDir)) {
      void vscode.window.showErrorMessage(`${outDir} is not empty: choose a new folder for the merged model.`);
      return undefined;
    }
    host.output.info(`Merging the LoRA adapter in ${adapterDir} into ${outDir}…`);
    try {
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Merging LoRA adapter ${basename(adapterDir)}`, cancellable: true },
        async (progress, token) => {
          progress.report({ message: `into ${basename(outDir)}` });
          const abort = new AbortController();
          const cancel = token.onCancellationRequested(() => abort.abort());
          try {
            return await runMergeProcess(host.entry, { adapterDir, outDir, cwd: dirname(adapterDir), signal: abort.signal, log: (line) => host.output.info(`[merge] ${line}`) });
          } finally {
            cancel.dispose();
          }
        },
      );
      const summary = `Merged the LoRA adapter of ${outcome.merged.length} module(s) into ${basename(outcome.baseModel)}: ${outDir} (${outcome.parameters.toLocaleString('en-US')} parameters).`;
      host.output.info(summary);
      void vscode.window.showInformationMessage(summary, 'Reveal in Explorer').then(async (choice) => {
        if (choice) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(join(outDir, 'config.json')));
      });
      return outcome;
    } catch (error) {
      const message = (error as Error).message;
      host.output.error(message);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
        if (choice === 'Show Log') host.output.show(true);
      });
      return undefined;
    }
  };
  return vscode.commands.registerCommand(Commands.mergeAdapter, merge);
}
