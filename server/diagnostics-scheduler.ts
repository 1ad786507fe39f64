/**
 * Debounced diagnostics: each change restarts a per-document timer; when it fires the
 * diagnostics are computed, and published only if the document is still at the version they
 * were computed for (a result for an old version is dropped).
 */
import type { Diagnostic } from 'vscode-languageserver';

export interface DiagnosticsResult {
  version: number;
  diagnostics: Diagnostic[];
}

export interface DiagnosticsSchedulerOptions {
  delayMs: number;
  /** Diagnostics of the document as it is now; undefined when it is closed. */
  compute(uri: string): DiagnosticsResult | undefined | Promise<DiagnosticsResult | undefined>;
  /** The document's current version, undefined when closed. */
  currentVersion(uri: string): number | undefined;
  publish(uri: string, result: DiagnosticsResult): void;
  onError(uri: string, error: unknown): void;
}

export class DiagnosticsScheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly options: DiagnosticsSchedulerOptions) {}

  schedule(uri: string, delayMs = this.options.delayMs): void {
    this.cancel(uri);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.run(uri);
      }, delayMs),
    );
  }

  cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Computes now; resolves to whether the result was published. */
  async run(uri: string): Promise<boolean> {
    try {
      const result = await this.options.compute(uri);
      if (!result || this.options.currentVersion(uri) !== result.version) return false;
      this.options.publish(uri, result);
      return true;
    } catch (error) {
      this.options.onError(uri, error);
      return false;
    }
  }
}
