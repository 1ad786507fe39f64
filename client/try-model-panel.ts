/**
 * Fine-Tune: Try Model… — a chat panel on one checkpoint. The panel owns its generator process
 * (`finetune-studio generate <folder> --ipc`), so generation never runs in the extension host;
 * TryModelSession checks and routes every message. Closing the panel ends the process.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { TryModelHostMessage } from '../src/protocol/generate';
import { renderDashboardHtml } from '../webview/html';
import { GeneratorProcess } from './generator-process';
import { TryModelSession } from './try-model-session';
import type { TrainerEntry } from './training-process';

export const TRY_MODEL_VIEW_TYPE = 'finetuneStudio.tryModel';

export class TryModelPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly generator: GeneratorProcess;

  constructor(
    extensionUri: vscode.Uri,
    entry: TrainerEntry,
    modelPath: string,
    backend: string,
    log: (line: string) => void,
    private readonly onClosed: () => void,
  ) {
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const title = `Try ${modelTitle(modelPath)}`;
    const panel = vscode.window.createWebviewPanel(TRY_MODEL_VIEW_TYPE, title, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [webviewRoot],
    });
    panel.webview.html = html(panel.webview, webviewRoot, title);
    this.generator = new GeneratorProcess(entry, { modelPath, backend, cwd: dirname(modelPath) });
    this.generator.on('log', (line) => log(`[try ${basename(modelPath)}] ${line}`));
    const post = (message: TryModelHostMessage) => void panel.webview.postMessage(message);
    const session = new TryModelSession(this.generator, post, { modelPath, title }, log);
    this.disposables.push(
      panel,
      panel.webview.onDidReceiveMessage((message: unknown) => session.onWebviewMessage(message)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  dispose(): void {
    if (this.disposables.length === 0) return;
    void this.generator.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.onClosed();
  }
}

/** `run-name · checkpoint-60`, or the folder name. */
function modelTitle(path: string): string {
  const name = basename(path);
  return name.startsWith('checkpoint-') ? `${basename(dirname(path))} · ${name}` : name;
}

function html(webview: vscode.Webview, webviewRoot: vscode.Uri, title: string): string {
  const script = vscode.Uri.joinPath(webviewRoot, 'chat.js');
  if (!existsSync(script.fsPath)) {
    return `<!DOCTYPE html><html><body><p>The chat bundle is missing (${script.fsPath}). Run <code>npm run build</code>.</p></body></html>`;
  }
  return renderDashboardHtml({
    scriptUri: webview.asWebviewUri(script).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'chat.css')).toString(),
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString('base64url'),
    title,
  });
}

/**
 * The folder to try: the argument (a folder Uri or path, e.g. from the explorer or the dashboard),
 * else a pick among the workspace's checkpoints and model folders (config.json beside safetensors).
 */
export async function pickModelFolder(argument: unknown): Promise<string | undefined> {
  if (argument instanceof vscode.Uri) return argument.fsPath;
  if (typeof argument === 'string' && argument !== '') return argument;
  const configs = await vscode.workspace.findFiles('**/config.json', '**/node_modules/**', 500);
  const folders = configs
    .map((uri) => dirname(uri.fsPath))
    .filter((dir) => existsSync(join(dir, 'model.safetensors')) || existsSync(join(dir, 'model.safetensors.index.json')))
    .sort((a, b) => a.localeCompare(b));
  const browse = '$(folder-opened) Browse…';
  const picked = await vscode.window.showQuickPick(
    [...folders.map((dir) => ({ label: modelTitle(dir), description: vscode.workspace.asRelativePath(dir), dir })), { label: browse, description: '', dir: '' }],
    { title: 'Try Model: a checkpoint or model folder of a causal LM', matchOnDescription: true },
  );
  if (!picked) return undefined;
  if (picked.label !== browse) return picked.dir;
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Try this model' });
  return chosen?.[0]?.fsPath;
}
