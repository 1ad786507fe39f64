/** A cancellable progress notification driven from outside its task: withProgress, resolved by close(). */
import * as vscode from 'vscode';
import type { ProgressHandle } from './download-progress';

export function notificationProgress(title: string, onCancel: () => void): ProgressHandle {
  let close!: () => void;
  const closed = new Promise<void>((resolve) => (close = resolve));
  let progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  let shown = 0;
  let latest: { message: string; percent: number } | undefined;
  const flush = () => {
    if (!progress || !latest) return;
    // VS Code's notification takes increments; a percent that went back (a retried file) stays put.
    progress.report({ message: latest.message, increment: Math.max(0, latest.percent - shown) });
    shown = Math.max(shown, latest.percent);
  };
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (p, token) => {
    progress = p;
    const subscription = token.onCancellationRequested(onCancel);
    flush();
    return closed.finally(() => subscription.dispose());
  });
  return {
    report(message, percent) {
      latest = { message, percent };
      flush();
    },
    close,
  };
}
