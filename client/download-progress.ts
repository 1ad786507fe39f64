/**
 * The editor's side of a run's "downloading model" phase: while a run fetches its Hub model (the
 * `download` events before its runStart), one cancellable progress notification per run shows the
 * bytes, rate and ETA; cancelling it stops the run, which ends the download where it is (the part
 * fetched stays `<blob>.incomplete`). No vscode import: the notification is passed in.
 */
import type { DownloadEvent, TrainerEvent } from '../src/protocol/events';
import { formatDownloadAmounts } from '../src/hub/format';
import type { RunState } from './run-manager';

/** One open notification. */
export interface ProgressHandle {
  /** `percent` is of the whole download, 0..100. */
  report(message: string, percent: number): void;
  close(): void;
}

/** Opens a cancellable notification titled `title`; `onCancel` runs when the person cancels it. */
export type ShowProgress = (title: string, onCancel: () => void) => ProgressHandle;

/** What this needs of the RunManager. */
export interface RunEvents {
  on(event: 'event', listener: (run: RunState, event: TrainerEvent) => void): unknown;
  off(event: 'event', listener: (run: RunState, event: TrainerEvent) => void): unknown;
  stop(id: string): Promise<unknown>;
}

export class DownloadNotifications {
  private readonly open = new Map<string, ProgressHandle>();
  private readonly listener = (run: RunState, event: TrainerEvent) => this.onEvent(run, event);

  constructor(
    private readonly runs: RunEvents,
    private readonly show: ShowProgress,
    private readonly log: (text: string) => void,
  ) {
    runs.on('event', this.listener);
  }

  /** Run ids with an open notification (tests read it). */
  active(): string[] {
    return [...this.open.keys()];
  }

  dispose(): void {
    this.runs.off('event', this.listener);
    for (const handle of this.open.values()) handle.close();
    this.open.clear();
  }

  private onEvent(run: RunState, event: TrainerEvent): void {
    if (event.type === 'download' && !event.done) this.report(run, event);
    // A finished download, the run's start or its end (a failure, a stop) close the notification.
    else if (event.type === 'download' || event.type === 'runStart' || event.type === 'runEnd') this.close(run.id);
  }

  private report(run: RunState, event: DownloadEvent): void {
    let handle = this.open.get(run.id);
    if (!handle) {
      handle = this.show(`Downloading model ${event.model}`, () => {
        this.log(`[${run.id}] Download of ${event.model} cancelled: stopping the run (the part fetched stays in the cache and is resumed next time)`);
        this.close(run.id);
        this.runs.stop(run.id).catch((error: unknown) => this.log(`[${run.id}] Could not stop the run: ${(error as Error).message}`));
      });
      this.open.set(run.id, handle);
    }
    const percent = event.total > 0 ? Math.min(100, (100 * event.bytes) / event.total) : 0;
    handle.report(formatDownloadAmounts(event), percent);
  }

  private close(runId: string): void {
    const handle = this.open.get(runId);
    if (!handle) return;
    this.open.delete(runId);
    handle.close();
  }
}
