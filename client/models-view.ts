/**
 * The "Models" tree view (Fine-Tune view container) over the Hugging Face cache, and its commands:
 * Download Model… (a cancellable progress notification), New Trainer Config from this model,
 * Reveal in file explorer, Delete revision (after a modal confirmation), Refresh.
 * The data and the actions are pure modules (models-tree.ts, src/hub); this file is the glue.
 */
import { statSync } from 'node:fs';
import * as vscode from 'vscode';
import { scanCache } from '../src/hub/cache';
import { applyDeletePlan, planRevisionDelete } from '../src/hub/delete';
import { downloadModel } from '../src/hub/download';
import { downloadTimeoutMs } from '../src/hub/env';
import { isHubError } from '../src/hub/errors';
import { formatBytes, formatDuration } from '../src/hub/format';
import { formatModelId, parseModelId } from '../src/hub/model-id';
import { hubOptionsFromEnv } from '../src/hub/options';
import { Commands } from '../src/protocol/commands';
import { buildModelsTree, renderFromPretrainedConfig, type ModelsTreeNode, type RevisionNode } from './models-tree';

export const MODELS_VIEW_ID = 'finetuneStudio.models';

class ModelsTreeProvider implements vscode.TreeDataProvider<ModelsTreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: ModelsTreeNode): ModelsTreeNode[] {
    if (node?.kind === 'revision') return [];
    if (node?.kind === 'model') return node.revisions;
    return buildModelsTree(scanCache(hubOptionsFromEnv().cacheDir));
  }

  getTreeItem(node: ModelsTreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, node.kind === 'model' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.kind === 'model' ? 'hubModel' : 'hubRevision';
    item.iconPath = new vscode.ThemeIcon(node.kind === 'model' ? 'package' : node.complete ? 'git-commit' : 'warning');
    if (node.kind === 'revision') item.resourceUri = vscode.Uri.file(node.folder);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function revisionOf(node: unknown): RevisionNode | undefined {
  return typeof node === 'object' && node !== null && (node as RevisionNode).kind === 'revision' ? (node as RevisionNode) : undefined;
}

async function downloadCommand(provider: ModelsTreeProvider, output: vscode.LogOutputChannel, initial?: string): Promise<string | undefined> {
  const text = initial ?? (await vscode.window.showInputBox({
    title: 'Fine-Tune: Download Model',
    prompt: 'Hugging Face Hub id: org/name, optionally @revision',
    placeHolder: 'distilbert/distilbert-base-uncased',
    validateInput: (value) => {
      const parsed = parseModelId(value.trim());
      return typeof parsed === 'string' ? parsed : undefined;
    },
  }));
  if (!text) return undefined;
  const hub = hubOptionsFromEnv();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${text.trim()}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let reported = 0;
        return downloadModel(text.trim(), {
          ...hub,
          refresh: true,
          idleTimeoutMs: downloadTimeoutMs(process.env),
          signal: abort.signal,
          onProgress: (p) => {
            const percent = p.total > 0 ? (100 * p.bytes) / p.total : 100;
            if (percent - reported < 1 && p.bytes < p.total) return;
            progress.report({
              increment: percent - reported,
              message: `${p.file}: ${formatBytes(p.bytes)} of ${formatBytes(p.total)}, ${formatBytes(p.rate)}/s, ${p.etaSeconds === undefined ? '' : `${formatDuration(p.etaSeconds)} left`}`,
            });
            reported = percent;
          },
        });
      },
    );
    provider.refresh();
    const message = result.downloaded.length === 0 ? `${text.trim()} is already in the cache.` : `Downloaded ${text.trim()}: ${result.downloaded.length} files, ${formatBytes(result.bytes)}.`;
    output.info(`${message} ${result.folder}`);
    void vscode.window.showInformationMessage(message);
    return result.folder;
  } catch (error) {
    const message = isHubError(error) ? error.message : `Download failed: ${(error as Error).message}`;
    output.error(message);
    void vscode.window.showErrorMessage(message);
    return undefined;
  }
}

export function registerModelsView(output: vscode.LogOutputChannel): vscode.Disposable[] {
  const provider = new ModelsTreeProvider();
  return [
    provider,
    vscode.window.createTreeView(MODELS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }),
    vscode.commands.registerCommand(Commands.refreshModels, () => provider.refresh()),
    vscode.commands.registerCommand(Commands.downloadModel, (id?: unknown) => downloadCommand(provider, output, typeof id === 'string' ? id : undefined)),
    vscode.commands.registerCommand(Commands.newConfigFromModel, async (node?: unknown) => {
      const revision = revisionOf(node) ?? buildModelsTree(scanCache(hubOptionsFromEnv().cacheDir)).find((m) => m.repoId === (node as { repoId?: string })?.repoId)?.revisions[0];
      if (!revision) return undefined;
      const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: renderFromPretrainedConfig(revision.modelId) });
      await vscode.window.showTextDocument(document);
      return document;
    }),
    vscode.commands.registerCommand(Commands.revealModel, async (node?: unknown) => {
      const revision = revisionOf(node);
      if (revision) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(revision.folder));
    }),
    vscode.commands.registerCommand(Commands.deleteModelRevision, async (node?: unknown, confirmed?: unknown) => {
      const revision = revisionOf(node);
      if (!revision) return false;
      const model = scanCache(hubOptionsFromEnv().cacheDir).find((m) => m.repoId === revision.repoId);
      if (!model) return false;
      const plan = planRevisionDelete(model, revision.commit, (path) => statSync(path, { throwIfNoEntry: false })?.size ?? 0);
      const name = `${formatModelId({ repoId: revision.repoId, revision: revision.modelId.split('@')[1] ?? 'main' })} (${revision.commit.slice(0, 8)})`;
      // The second argument lets tests confirm without a modal; people always get the dialog.
      const answer =
        confirmed === true
          ? 'Delete'
          : await vscode.window.showWarningMessage(`Delete ${name} from the Hugging Face cache? This frees ${formatBytes(plan.freedBytes)}; Python shares this cache.`, { modal: true }, 'Delete');
      if (answer !== 'Delete') return false;
      applyDeletePlan(model, plan);
      provider.refresh();
      output.info(`Deleted ${name} from ${model.repoDir} (${formatBytes(plan.freedBytes)} freed)`);
      return true;
    }),
  ];
}
