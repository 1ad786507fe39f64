/**
 * The dashboard panel host: one panel instance (createOrShow / revive through a serializer),
 * nonce CSP with resources only from dist/webview, every message from the webview validated,
 * live trainer events batched to the webview every 100 ms.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { foldSweepRecords, parseSweepJsonl } from '../src/sweep/results';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../src/protocol/events';
import {
  isWebviewToHostMessage,
  type HostToWebviewMessage,
  type RenderedMessage,
  type RunSummary,
  type WebviewToHostMessage,
} from '../src/protocol/webview';
import { renderDashboardHtml } from '../webview/html';
import { readResolvedConfig, readRunEvents, runDirOf, summarizeRun, METRICS_FILE } from './run-history';
import { CONFIG_GLOB } from '../src/protocol/config-files';
import { authorizeDashboardMessage, nodeFileFacts, type AuthorizationContext } from './dashboard-authorization';
import type { RunManager, RunState } from './run-manager';
import { writeRunsExport } from './run-export';
import { Waiters } from './waiters';

export const DASHBOARD_VIEW_TYPE = 'finetuneStudio.dashboard';
const FLUSH_INTERVAL_MS = 100;

/** What the panel asks of the rest of the extension. */
export interface DashboardHost {
  runManager: RunManager;
  startTraining(configPath: string): Promise<void>;
  startTrainingOnSlurm(configPath: string): Promise<void>;
  stopTraining(runId: string): Promise<void>;
  resumeTraining(configPath: string, checkpoint?: string): Promise<void>;
  /** Merge a completed LoRA run's adapter (the merge command asks where to write). */
  mergeAdapter(adapterDir: string): Promise<void>;
  log(message: string): void;
}

export class DashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pending = new Map<string, TrainerEvent[]>();
  private flushTimer?: NodeJS.Timeout;
  /**
   * `listening` from the webview's `ready` on: live events are kept from then. `ready` once `init`
   * and the active run's history are posted: only then are kept events flushed, so the webview
   * never sees live events before the run list and history they belong to.
   */
  private listening = false;
  private ready = false;
  /** The runs last listed to the webview, by id: the only runs its messages may refer to. */
  private knownRuns = new Map<string, RunSummary>();
  private readonly historyInFlight = new Set<string>();
  private readonly files = nodeFileFacts();
  private readonly rendered = new Waiters<RenderedMessage>();
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly host: DashboardHost,
  ) {
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    panel.webview.html = this.html(webviewRoot);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isWebviewToHostMessage(message)) this.onMessage(message).catch((error: unknown) => host.log(`Dashboard: ${(error as Error).message}`));
        else host.log(`Dashboard: dropped an invalid message ${JSON.stringify(message)?.slice(0, 200)}`);
      }),
    );
    const onEvent = (run: RunState, event: TrainerEvent) => this.queue(run, event);
    host.runManager.on('event', onEvent);
    this.disposables.push({ dispose: () => host.runManager.off('event', onEvent) });
  }

  static create(extensionUri: vscode.Uri, host: DashboardHost): DashboardPanel {
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Fine-Tune Dashboard', vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    });
    return new DashboardPanel(panel, extensionUri, host);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** Resolves on the next `rendered` message matching `predicate` (integration tests await this). */
  whenRendered(predicate: (message: RenderedMessage) => boolean = () => true): Promise<RenderedMessage> {
    return this.rendered.wait(predicate);
  }

  dispose(): void {
    clearTimeout(this.flushTimer);
    // Waits on a closed panel would never settle: they fail, and their listeners go.
    this.rendered.dispose('The dashboard was closed before it rendered.');
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private html(webviewRoot: vscode.Uri): string {
    const webview = this.panel.webview;
    const script = vscode.Uri.joinPath(webviewRoot, 'main.js');
    if (!existsSync(script.fsPath)) {
      return `<!DOCTYPE html><html><body><p>The dashboard bundle is missing (${script.fsPath}). Run <code>npm run build</code>.</p></body></html>`;
    }
    return renderDashboardHtml({
      scriptUri: webview.asWebviewUri(script).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.css')).toString(),
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64url'),
    });
  }

  private post(message: HostToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private queue(run: RunState, event: TrainerEvent): void {
    const runId = run.outputDir;
    if (!runId || !this.listening) return;
    const list = this.pending.get(runId) ?? [];
    list.push(event);
    this.pending.set(runId, list);
    if (this.ready && (event.type === 'runStart' || event.type === 'runEnd')) this.sendRunList().catch((error: unknown) => this.host.log(`Dashboard: ${(error as Error).message}`));
    if (this.ready) this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (!this.ready) return;
    for (const [runId, events] of this.pending) {
      // Held while that run's history is read: the history replaces the view, so earlier events would be lost.
      if (this.historyInFlight.has(runId)) continue;
      this.post({ type: 'events', runId, events });
      this.pending.delete(runId);
    }
  }

  private async runSummaries(): Promise<RunSummary[]> {
    const summaries = new Map<string, RunSummary>();
    const files = await vscode.workspace.findFiles(`**/${METRICS_FILE}`, '**/node_modules/**', 200);
    for (const file of files) {
      const dir = runDirOf(file.fsPath);
      summaries.set(dir, summarizeRun(dir, await readRunEvents(dir)));
    }
    for (const run of this.host.runManager.active()) {
      if (!run.outputDir) continue;
      summaries.set(run.outputDir, summarizeRun(run.outputDir, run.events, true));
    }
    const runs = [...summaries.values()].sort((a, b) => b.startedAt - a.startedAt);
    this.knownRuns = new Map(runs.map((r) => [r.id, r]));
    return runs;
  }

  private async sendRunList(): Promise<void> {
    this.post({ type: 'runList', runs: await this.runSummaries() });
  }

  /** Every sweep in the workspace, folded from its sweep.jsonl (written by `finetune-studio sweep`). */
  private async sendSweeps(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/sweep.jsonl', '**/node_modules/**', 50);
    for (const file of files) {
      const state = foldSweepRecords(parseSweepJsonl(await readFile(file.fsPath, 'utf8')));
      if (state.header) this.post({ type: 'sweep', sweepId: dirname(file.fsPath), header: state.header, trials: state.trials });
    }
  }

  /**
   * The run's events from metrics.jsonl (the trainer writes each event there before sending it),
   * then the live events held meanwhile; they may repeat the history's tail, which the store rewinds.
   */
  private async sendHistory(runId: string): Promise<void> {
    this.historyInFlight.add(runId);
    try {
      this.post({ type: 'runHistory', runId, events: await readRunEvents(runId) });
    } finally {
      this.historyInFlight.delete(runId);
    }
    if (this.ready && this.pending.has(runId)) this.flush();
  }

  /** The facts authorization needs; the workspace search for configs only where a command needs it. */
  private async authorizationContext(message: WebviewToHostMessage): Promise<AuthorizationContext> {
    const needsConfigs = message.type === 'command' && message.command !== 'stop';
    const configs = needsConfigs ? await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 500) : [];
    return {
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      knownRuns: this.knownRuns,
      workspaceConfigs: configs.map((uri) => uri.fsPath),
      files: this.files,
    };
  }

  private async onMessage(message: WebviewToHostMessage): Promise<void> {
    const decision = authorizeDashboardMessage(message, await this.authorizationContext(message));
    switch (decision.action) {
      case 'refuse':
        this.host.log(decision.reason);
        break;
      case 'ready': {
        // Also after a reload: start over, so history and live events line up again.
        this.ready = false;
        this.listening = true;
        this.pending.clear();
        const runs = await this.runSummaries();
        const active = this.host.runManager.active().find((r) => r.outputDir)?.outputDir ?? runs[0]?.id;
        this.post({ type: 'init', runs, activeRunId: active });
        if (active) await this.sendHistory(active);
        this.ready = true;
        // Events kept meanwhile may repeat the history's tail; the store rewinds to each event's step.
        if (this.pending.size > 0) this.flush();
        await this.sendRunList();
        await this.sendSweeps();
        break;
      }
      case 'rendered':
        if (message.type === 'rendered') this.rendered.notify(message);
        break;
      case 'selectRuns':
        for (const runId of decision.runIds) await this.sendHistory(runId);
        break;
      case 'configDiff': {
        const { runIds } = decision;
        try {
          const configs: [unknown, unknown] = [readResolvedConfig(runIds[0]), readResolvedConfig(runIds[1])];
          this.post({ type: 'configDiff', runIds, configs });
        } catch (error) {
          this.post({ type: 'configDiff', runIds, error: (error as Error).message });
        }
        break;
      }
      case 'open': {
        const position = new vscode.Position(decision.line - 1, decision.column - 1);
        await vscode.window.showTextDocument(vscode.Uri.file(decision.file), { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One });
        break;
      }
      case 'stop': {
        const active = this.host.runManager.active().find((r) => r.outputDir === decision.runId);
        if (active) await this.host.stopTraining(active.id);
        break;
      }
      case 'start':
        await this.host.startTraining(decision.configPath);
        break;
      case 'startSlurm':
        await this.host.startTrainingOnSlurm(decision.configPath);
        break;
      case 'resume':
        await this.host.resumeTraining(decision.configPath, decision.checkpoint);
        break;
      case 'merge':
        await this.host.mergeAdapter(decision.adapterDir);
        break;
      case 'export': {
        const [folder] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export here', title: 'Export the selected runs (CSV and chart images)' })) ?? [];
        if (!folder) break;
        try {
          const files = await writeRunsExport(folder.fsPath, decision.runIds, decision.charts);
          void vscode.window.showInformationMessage(`Exported ${decision.runIds.length} run(s) to ${folder.fsPath}: ${files.length} file(s).`);
        } catch (error) {
          void vscode.window.showErrorMessage(`Export failed: ${(error as Error).message}`);
        }
        break;
      }
    }
  }
}
