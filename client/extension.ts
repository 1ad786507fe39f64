/**
 * Extension entry. `Studio` owns every extension-scope disposable (no module-level singletons);
 * the dashboard panel is session-scoped and recreated on demand. `activate` returns a small API
 * that integration tests await instead of sleeping.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { RenderedMessage } from '../src/protocol/webview';
import { registerCommands } from './commands';
import { DashboardPanel, DASHBOARD_VIEW_TYPE } from './dashboard-panel';
import { startLanguageClient } from './language-client';
import { RunManager, type RunState } from './run-manager';
import { TrainingStatusBar } from './status-bar';

const LOG_METHOD = { debug: 'debug', info: 'info', warning: 'warn', error: 'error' } as const;

export interface FineTuneStudioApi {
  /** Resolves once the language client has started (or rejects with why it could not). */
  languageClientReady: Promise<void>;
  runManager: RunManager;
  /** Resolves on the dashboard's next `rendered` report matching the predicate (opens it if needed). */
  whenDashboardRendered(predicate?: (message: RenderedMessage) => boolean): Promise<RenderedMessage>;
  /** The status bar text now, or undefined while it is hidden. */
  statusBarText(): string | undefined;
  /** Resolves when a run reaches a state matching the predicate. */
  whenRun(predicate: (run: RunState) => boolean): Promise<RunState>;
}

class Studio implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Fine-Tune Studio', { log: true });
  readonly runManager: RunManager;
  readonly statusBar: TrainingStatusBar;
  private readonly disposables: vscode.Disposable[] = [];
  private dashboard?: DashboardPanel;
  private languageClient?: LanguageClient;
  readonly languageClientReady: Promise<void>;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.runManager = new RunManager({
      entry: { modulePath: context.asAbsolutePath('dist/cli.js') },
      stopGraceMs: 1000 * vscode.workspace.getConfiguration('finetuneStudio').get<number>('stopGraceSeconds', 30),
    });
    this.runManager.on('log', (run, line) => this.output.info(`[${run.id}] ${line}`));
    this.runManager.on('event', (run, event) => {
      if (event.type === 'runStart') this.output.info(`[${run.id}] backend ${event.backend.name} (${event.backend.device}); ${event.totalSteps} steps into ${event.outputDir}`);
      else if (event.type === 'log') this.output.trace(`[${run.id}] step ${event.step} loss ${event.loss}`);
      else if (event.type === 'eval') this.output.info(`[${run.id}] eval at step ${event.step}: ${JSON.stringify(event.metrics)}`);
      else if (event.type === 'checkpoint') this.output.info(`[${run.id}] checkpoint ${event.path}${event.isBest ? ' (best)' : ''}`);
      else if (event.type === 'message') this.output[LOG_METHOD[event.level]](`[${run.id}] ${event.text}`);
      else if (event.type === 'runEnd') this.reportEnd(run, event);
    });
    this.statusBar = new TrainingStatusBar(this.runManager);
    // Drives the palette's and editor title's when-clauses for Start/Stop; set only when it flips.
    let trainingActive = false;
    this.runManager.on('changed', () => {
      const active = this.runManager.active().length > 0;
      if (active === trainingActive) return;
      trainingActive = active;
      void vscode.commands.executeCommand('setContext', 'finetuneStudio.trainingActive', active);
    });
    this.disposables.push(
      this.output,
      this.statusBar,
      ...registerCommands({
        runManager: this.runManager,
        output: this.output,
        openDashboard: () => this.openDashboard(),
        backend: () => vscode.workspace.getConfiguration('finetuneStudio').get<string>('backend', 'auto'),
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.adoptDashboard(new DashboardPanel(panel, context.extensionUri, this.dashboardHost()));
        },
      }),
    );
    this.languageClientReady = startLanguageClient(context, this.output).then(
      (client) => {
        this.languageClient = client;
      },
      (error: unknown) => {
        this.output.error(`The language server did not start: ${(error as Error).message}`);
        throw error;
      },
    );
  }

  openDashboard(): DashboardPanel {
    if (this.dashboard) {
      this.dashboard.reveal();
      return this.dashboard;
    }
    return this.adoptDashboard(DashboardPanel.create(this.context.extensionUri, this.dashboardHost()));
  }

  private adoptDashboard(panel: DashboardPanel): DashboardPanel {
    this.dashboard?.dispose();
    this.dashboard = panel;
    panel.onDidDispose(() => {
      if (this.dashboard === panel) this.dashboard = undefined;
    });
    return panel;
  }

  private dashboardHost() {
    return {
      runManager: this.runManager,
      startTraining: async (configPath: string) => {
        await vscode.commands.executeCommand('finetuneStudio.startTraining', vscode.Uri.file(configPath));
      },
      stopTraining: async (runId: string) => {
        await vscode.commands.executeCommand('finetuneStudio.stopTraining', runId);
      },
      resumeTraining: async (configPath: string, checkpoint?: string) => {
        await vscode.commands.executeCommand('finetuneStudio.resumeFromCheckpoint', vscode.Uri.file(configPath), checkpoint);
      },
      log: (message: string) => this.output.warn(message),
    };
  }

  private reportEnd(run: RunState, event: Extract<RunState['events'][number], { type: 'runEnd' }>): void {
    if (event.status !== 'failed') {
      this.output.info(`[${run.id}] ${event.status} at step ${event.step}${event.checkpoint ? `; checkpoint ${event.checkpoint}` : ''}`);
      return;
    }
    const location = event.error?.location;
    const where = location ? `${location.file}:${location.line}:${location.column}: ` : '';
    this.output.error(`[${run.id}] ${where}${event.error?.message ?? 'failed'}`);
    const open = 'Open Location';
    const showLog = 'Show Log';
    void vscode.window
      .showErrorMessage(`Training failed at step ${event.step}: ${event.error?.message.split('\n')[0] ?? ''}`, ...(location ? [open] : []), showLog)
      .then(async (choice) => {
        if (choice === showLog) this.output.show(true);
        if (choice === open && location) {
          const position = new vscode.Position(location.line - 1, Math.max(0, location.column - 1));
          await vscode.window.showTextDocument(vscode.Uri.file(location.file), { selection: new vscode.Range(position, position) });
        }
      });
  }

  api(): FineTuneStudioApi {
    return {
      languageClientReady: this.languageClientReady,
      runManager: this.runManager,
      whenDashboardRendered: (predicate) => this.openDashboard().whenRendered(predicate),
      statusBarText: () => this.statusBar.text,
      whenRun: (predicate) =>
        new Promise((resolve) => {
          const existing = this.runManager.list().find(predicate);
          if (existing) return resolve(existing);
          const listener = (run: RunState) => {
            if (!predicate(run)) return;
            this.runManager.off('changed', listener);
            resolve(run);
          };
          this.runManager.on('changed', listener);
        }),
    };
  }

  /**
   * Extension deactivation: running trainers get `stop` (each writes a checkpoint and exits; a
   * trainer whose IPC channel closes stops the same way), the language server shuts down.
   */
  dispose(): void {
    void this.runManager.dispose();
    void this.languageClient?.stop();
    this.dashboard?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function activate(context: vscode.ExtensionContext): FineTuneStudioApi {
  const studio = new Studio(context);
  context.subscriptions.push(studio);
  return studio.api();
}

export function deactivate(): void {
  // Everything is released by the Studio disposable in context.subscriptions.
}
