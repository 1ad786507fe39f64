/**
 * The status bar item: the current run's step/total, loss and ETA with a spinning progress icon.
 * Clicking it opens the dashboard. Hidden when nothing runs.
 */
import * as vscode from 'vscode';
import { Commands } from '../src/protocol/commands';
import { serverHealthText, type LanguageServerSession, type ServerHealth, type StartableClient } from './language-server-session';
import type { RunManager, RunState } from './run-manager';

export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function statusText(run: RunState): string {
  if (run.phase === 'starting') return '$(loading~spin) Fine-Tune: starting…';
  const { step, totalSteps, loss: lastLoss, eta } = run.progress;
  const loss = lastLoss !== undefined ? ` · loss ${lastLoss.toFixed(4)}` : '';
  if (run.phase === 'stopping') return `$(loading~spin) Fine-Tune stopping${loss}`;
  if (run.paused) return `$(debug-pause) Fine-Tune ${step}/${totalSteps} paused${loss}`;
  return `$(loading~spin) Fine-Tune ${step}/${totalSteps}${loss} · ETA ${formatEta(eta)}`;
}

export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('finetuneStudio.run', vscode.StatusBarAlignment.Left, 50);
  private readonly listener = () => this.update();

  constructor(private readonly runs: RunManager) {
    this.item.name = 'Fine-Tune Studio training';
    this.item.command = Commands.openDashboard;
    runs.on('changed', this.listener);
    this.update();
  }

  /** The text shown now, or undefined when hidden (the integration tests read it). */
  get text(): string | undefined {
    return this.runs.active().length > 0 ? this.item.text : undefined;
  }

  private update(): void {
    const active = this.runs.active();
    const run = active.at(-1);
    if (!run) {
      this.item.hide();
      return;
    }
    this.item.text = statusText(run) + (active.length > 1 ? ` (+${active.length - 1})` : '');
    const { backend: info, epoch } = run.progress;
    const backend = info ? `\n\nBackend: ${info.name} (${info.device})` : '';
    this.item.tooltip = new vscode.MarkdownString(`**${run.configPath}**\n\nEpoch ${epoch.toFixed(2)}${backend}\n\nClick to open the dashboard.`);
    this.item.show();
  }

  dispose(): void {
    this.runs.off('changed', this.listener);
    this.item.dispose();
  }
}

/** The language server's health: starting, ready, or crashed (click to restart). */
export class LanguageServerStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('finetuneStudio.languageServer', vscode.StatusBarAlignment.Right, 100);
  private readonly subscription: { dispose(): void };

  constructor(session: LanguageServerSession<StartableClient>) {
    this.item.name = 'Fine-Tune Studio language server';
    this.item.command = Commands.restartLanguageServer;
    this.subscription = session.onHealth((health, detail) => this.update(health, detail));
    this.update(session.health);
    this.item.show();
  }

  private update(health: ServerHealth, detail?: string): void {
    const { text, tooltip } = serverHealthText(health, detail);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = health === 'crashed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
