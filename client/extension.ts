/**
 * Extension entry. `Studio` owns every extension-scope disposable, the settings and the language
 * server session; the dashboard panel is session-scoped and recreated on demand. `activate`
 * returns a small API that integration tests await instead of sleeping; `deactivate` returns the
 * shutdown promise, so VS Code waits for the runs' stop checkpoints.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Commands } from '../src/protocol/commands';
import type { RenderedMessage } from '../src/protocol/webview';
import { formatTrainableParameters } from '../src/protocol/parameters';
import { registerCommands } from './commands';
import { registerMergeCommand } from './merge-command';
import { registerSlurmCommand } from './slurm-command';
import { registerModelsView } from './models-view';
import { DashboardPanel, DASHBOARD_VIEW_TYPE } from './dashboard-panel';
import { DownloadNotifications } from './download-progress';
import { notificationProgress } from './notification-progress';
import { createLanguageClient } from './language-client';
import { LanguageServerSession } from './language-server-session';
import { RunManager, type RunState } from './run-manager';
import { Settings, SETTINGS_SECTION } from './settings';
import { shutdown } from './shutdown';
import { LanguageServerStatusBar, TrainingStatusBar } from './status-bar';
import { pickModelFolder, TryModelPanel } from './try-model-panel';
import { Waiters } from './waiters';

const LOG_METHOD = { debug: 'debug', info: 'info', warning: 'warn', error: 'error' } as const;

export interface FineTuneStudioApi {
  /** Resolves once the language client has started (or rejects with why it could not). */
  languageClientReady: Promise<void>;
  /** The language server's health as the status bar shows it. */
  languageServerHealth(): string;
  runManager: RunManager;
  /** Resolves on the dashboard's next `rendered` report matching the predicate (opens it if needed). */
  whenDashboardRendered(predicate?: (message: RenderedMessage) => boolean): Promise<RenderedMessage>;
  /** The status bar text now, or undefined while it is hidden. */
  statusBarText(): string | undefined;
  /** Resolves when a run reaches a state matching the predicate. */
  whenRun(predicate: (run: RunState) => boolean): Promise<RunState>;
  /** Ids of the runs whose model-download notification is open now. */
  downloadNotifications(): string[];
}

class Studio implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Fine-Tune Studio', { log: true });
  /** The CLI the extension's child processes run: trainers, the merge, Slurm jobs. */
  private readonly entry: { modulePath: string };
  readonly settings: Settings;
  readonly runManager: RunManager;
  readonly statusBar: TrainingStatusBar;
  /** The cancellable notification while a run downloads its Hub model. */
  readonly downloads: DownloadNotifications;
  private readonly serverStatus: LanguageServerStatusBar;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly runWaiters = new Waiters<RunState>();
  private dashboard?: DashboardPanel;
  /** Open Try Model panels, each with its generator process (session-scoped). */
  private readonly tryPanels = new Set<TryModelPanel>();
  private readonly languageServer: LanguageServerSession<LanguageClient>;
  readonly languageClientReady: Promise<void>;
  private disposing?: Promise<void>;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.entry = { modulePath: context.asAbsolutePath('dist/cli.js') };
    this.settings = new Settings(
      (key) => vscode.workspace.getConfiguration(SETTINGS_SECTION).get(key),
      (problem) => this.output.warn(problem),
    );
    this.runManager = new RunManager({
      entry: this.entry,
      // Asked at each stop, so a changed setting applies without a reload.
      stopGraceMs: () => 1000 * this.settings.current.stopGraceSeconds,
    });
    this.runManager.on('changed', (run) => this.runWaiters.notify(run));
    this.runManager.on('log', (run, line) => this.output.info(`[${run.id}] ${line}`));
    this.runManager.on('event', (run, event) => {
      if (event.type === 'runStart') {
        if (event.model) this.output.info(`[${run.id}] ${event.model.name}: ${formatTrainableParameters(event.model.trainableParameters, event.model.parameters)}`);
        this.output.info(`[${run.id}] backend ${event.backend.name} (${event.backend.device}); ${event.totalSteps} steps into ${event.outputDir}`);
      }
      else if (event.type === 'log') this.output.trace(`[${run.id}] step ${event.step} loss ${event.loss}`);
      else if (event.type === 'eval') this.output.info(`[${run.id}] eval at step ${event.step}: ${JSON.stringify(event.metrics)}`);
      else if (event.type === 'checkpoint') this.output.info(`[${run.id}] checkpoint ${event.path}${event.isBest ? ' (best)' : ''}`);
      else if (event.type === 'message') this.output[LOG_METHOD[event.level]](`[${run.id}] ${event.text}`);
      else if (event.type === 'runEnd') this.reportEnd(run, event);
    });
    this.statusBar = new TrainingStatusBar(this.runManager);
    this.downloads = new DownloadNotifications(this.runManager, notificationProgress, (text) => this.output.info(text));
    // Drives the palette's and editor title's when-clauses for Start/Stop; set only when it flips.
    let trainingActive = false;
    this.runManager.on('changed', () => {
      const active = this.runManager.active().length > 0;
      if (active === trainingActive) return;
      trainingActive = active;
      void vscode.commands.executeCommand('setContext', 'finetuneStudio.trainingActive', active);
    });
    this.languageServer = new LanguageServerSession(() => {
      const client = createLanguageClient(context, this.output);
      // Running again after the client's own restarts; stopped for good when it gave up.
      client.onDidChangeState(({ newState }) => {
        if (newState === State.Running) this.languageServer.markReady();
        else if (newState === State.Stopped) this.languageServer.markCrashed('the language server stopped; see the Output channel');
      });
      return client;
    });
    this.serverStatus = new LanguageServerStatusBar(this.languageServer);
    // The output channel is not in `disposables`: shutdown disposes it last.
    this.disposables.push(
      this.statusBar,
      this.downloads,
      this.serverStatus,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SETTINGS_SECTION)) this.settings.reload();
      }),
      vscode.commands.registerCommand(Commands.restartLanguageServer, () => this.restartLanguageServer()),
      vscode.commands.registerCommand(Commands.tryModel, (argument?: unknown) => this.tryModel(argument)),
      ...registerModelsView(this.output),
      registerMergeCommand({ runManager: this.runManager, entry: this.entry, output: this.output }),
      registerSlurmCommand({
        runManager: this.runManager,
        entry: this.entry,
        output: this.output,
        openDashboard: () => this.openDashboard(),
        openDashboardOnStart: () => this.settings.current.openDashboardOnStart,
      }),
      ...registerCommands({
        runManager: this.runManager,
        output: this.output,
        openDashboard: () => this.openDashboard(),
        settings: () => this.settings.current,
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          this.adoptDashboard(new DashboardPanel(panel, context.extensionUri, this.dashboardHost()));
        },
      }),
    );
    this.languageClientReady = this.languageServer.start().then(
      () => undefined,
      (error: unknown) => {
        this.output.error(`The language server did not start: ${(error as Error).message}`);
        throw error;
      },
    );
    // Nobody may await it (tests do); the failure is logged above.
    this.languageClientReady.catch(() => undefined);
  }

  private async restartLanguageServer(): Promise<void> {
    this.output.info('Restarting the language server…');
    try {
      await this.languageServer.restart();
    } catch (error) {
      this.output.error(`The language server did not restart: ${(error as Error).message}`);
    }
  }

  private async tryModel(argument: unknown): Promise<void> {
    const dir = await pickModelFolder(argument);
    if (!dir) return;
    const panel = new TryModelPanel(this.context.extensionUri, this.entry, dir, this.settings.current.backend, (line) => this.output.info(line), () => this.tryPanels.delete(panel));
    this.tryPanels.add(panel);
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
      startTrainingOnSlurm: async (configPath: string) => {
        await vscode.commands.executeCommand(Commands.startTrainingOnSlurm, vscode.Uri.file(configPath));
      },
      stopTraining: async (runId: string) => {
        await vscode.commands.executeCommand('finetuneStudio.stopTraining', runId);
      },
      resumeTraining: async (configPath: string, checkpoint?: string) => {
        await vscode.commands.executeCommand('finetuneStudio.resumeFromCheckpoint', vscode.Uri.file(configPath), checkpoint);
      },
      mergeAdapter: async (adapterDir: string) => {
        await vscode.commands.executeCommand(Commands.mergeAdapter, vscode.Uri.file(adapterDir));
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
      languageServerHealth: () => this.languageServer.health,
      whenRun: (predicate) => this.runWaiters.wait(predicate, this.runManager.list()),
      downloadNotifications: () => this.downloads.active(),
    };
  }

  /**
   * Extension deactivation (see client/shutdown.ts): running trainers get `stop` and are waited
   * for (each writes a checkpoint and exits) while the output channel still logs them; the
   * language client stops (also one still starting); then the UI; the output channel last.
   * Idempotent: deactivate and context.subscriptions may both call it.
   */
  dispose(): Promise<void> {
    this.disposing ??= shutdown({
      stopRuns: () => this.runManager.dispose(),
      stopLanguageClient: () => this.languageServer.dispose(),
      disposeUi: () => {
        this.runWaiters.dispose('The extension is shutting down.');
        this.dashboard?.dispose();
        for (const panel of [...this.tryPanels]) panel.dispose();
        for (const d of this.disposables.splice(0)) d.dispose();
      },
      disposeOutput: () => this.output.dispose(),
      log: (message) => this.output.error(message),
    });
    return this.disposing;
  }
}

/**
 * The activated extension, for `deactivate`: VS Code's deactivate takes no arguments, so this is
 * the one module-level reference, set by activate and cleared by deactivate.
 */
let activeStudio: Studio | undefined;

export function activate(context: vscode.ExtensionContext): FineTuneStudioApi {
  const studio = new Studio(context);
  activeStudio = studio;
  context.subscriptions.push({ dispose: () => void studio.dispose() });
  return studio.api();
}

/** Returns the shutdown promise: VS Code waits for it (stop checkpoints) before it unloads us. */
export function deactivate(): Promise<void> | undefined {
  const studio = activeStudio;
  activeStudio = undefined;
  return studio?.dispose();
}
