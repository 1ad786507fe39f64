/**
 * `report_to: tensorboard`: an EventSink that turns the run's trainer events into a TensorBoard
 * event file, as HF's TensorBoardCallback would: `args` as text (plus the whole resolved config),
 * each logged value as a scalar tagged by HF's `rewrite_logs`, and the hyperparameters through the
 * hparams plugin (one session per run; TensorBoard derives the experiment from all sessions, so
 * runs from different folders compare in one HPARAMS table). It listens to events only, so it
 * works the same for a live run and for replaying an old run's metrics.jsonl.
 */
import type { RunEndEvent, RunStartEvent, TrainerEvent } from '../../protocol/events';
import { loggedEntry, tensorBoardScalars } from '../../protocol/logged-values';
import type { EventSink } from '../event-sink';
import { EventFileWriter } from './event-file';
import { hparamsOf } from './hparams';
import { scalarEvent, sessionEndEvent, sessionStartEvent, SessionStatus, textEvent } from './tb-events';

export interface TensorBoardSinkOptions {
  /** The folder for the event file, decided when the run starts. */
  logDir: (start: RunStartEvent) => string;
  /**
   * Called once if writing fails (a full disk); the sink then stops writing. TensorBoard is a
   * copy of what metrics.jsonl holds, so losing it must not stop the training.
   */
  onError?: (message: string) => void;
}

const STATUS: Record<RunEndEvent['status'], SessionStatus> = {
  completed: SessionStatus.success,
  stopped: SessionStatus.success,
  failed: SessionStatus.failure,
};

export class TensorBoardSink implements EventSink {
  private writer: EventFileWriter | undefined;
  private failed = false;
  private readonly written: string[] = [];

  constructor(private readonly options: TensorBoardSinkOptions) {}

  /** Event files written so far. */
  get files(): readonly string[] {
    return this.written;
  }

  emit(event: TrainerEvent): void {
    if (this.failed) return;
    try {
      this.write(event);
    } catch (error) {
      this.failed = true;
      this.close();
      this.options.onError?.(`TensorBoard logging stopped: ${(error as Error).message}. metrics.jsonl still has every value; \`finetune-studio export <run-dir> --format tensorboard\` rewrites the event file from it.`);
    }
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }

  private write(event: TrainerEvent): void {
    const wallTime = event.time / 1000;
    if (event.type === 'runStart') {
      this.close();
      const writer = new EventFileWriter(this.options.logDir(event), wallTime);
      this.writer = writer;
      this.written.push(writer.path);
      const header = { wallTime, step: event.resumedStep ?? 0 };
      const config = (event.config ?? {}) as { training_args?: unknown };
      writer.write(
        textEvent(header, 'args', JSON.stringify(config.training_args ?? {}, null, 2)),
        textEvent(header, 'config', JSON.stringify(config, null, 2)),
        sessionStartEvent(header, hparamsOf(event.config), wallTime),
      );
      return;
    }
    const writer = this.writer;
    if (!writer) return;
    if (event.type === 'runEnd') {
      writer.write(sessionEndEvent({ wallTime, step: event.step }, STATUS[event.status], wallTime));
      this.close();
      return;
    }
    const entry = loggedEntry(event);
    if (!entry) return;
    writer.write(...tensorBoardScalars(entry).map(([tag, value]) => scalarEvent({ wallTime, step: entry.step }, tag, value)));
  }
}
