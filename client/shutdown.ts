/**
 * The order the extension shuts down in, as one awaited sequence (VS Code waits for the promise
 * `deactivate` returns): first the runs are stopped and waited for, each writing its stop
 * checkpoint, while the output channel still takes their log lines; the language client stops
 * alongside; then the UI goes; the output channel goes last. No vscode import.
 */
export interface ShutdownParts {
  /** Stops every run and resolves when their processes have exited. */
  stopRuns(): Promise<void>;
  /** Stops the language client (also one still starting). */
  stopLanguageClient(): Promise<void>;
  /** Panels, status bar items, commands, listeners. */
  disposeUi(): void;
  /** The output channel: last, so that nothing logs into a disposed channel. */
  disposeOutput(): void;
  /** Where a failure to stop is reported (the output channel, while it lives). */
  log(message: string): void;
}

export async function shutdown(parts: ShutdownParts): Promise<void> {
  const results = await Promise.allSettled([parts.stopRuns(), parts.stopLanguageClient()]);
  for (const [what, result] of [['runs', results[0]], ['language client', results[1]]] as const) {
    if (result.status === 'rejected') parts.log(`Shutdown: stopping the ${what} failed: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
  }
  try {
    parts.disposeUi();
  } finally {
    parts.disposeOutput();
  }
}
