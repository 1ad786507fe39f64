/**
 * Where trainer events go. The run writes every event to metrics.jsonl as it happens (synchronous
 * append, so a killed process loses nothing already emitted) and fans out to the CLI or IPC.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TrainerEvent } from '../protocol/events';

export interface EventSink {
  emit(event: TrainerEvent): void;
}

/** Appends one JSON object per line. Errors (a full disk) surface to the caller at once. */
export class JsonlEventLog implements EventSink {
  private fd: number | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  emit(event: TrainerEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, JSON.stringify(event) + '\n');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Sends each event to several sinks; one failing sink does not starve the others. */
export class FanOutSink implements EventSink {
  private readonly sinks: EventSink[] = [];

  add(sink: EventSink): this {
    this.sinks.push(sink);
    return this;
  }

  /** Adds a sink that receives each event before the others (the log on disk, so nothing is shown that is not saved). */
  addFirst(sink: EventSink): this {
    this.sinks.unshift(sink);
    return this;
  }

  emit(event: TrainerEvent): void {
    let firstError: unknown;
    for (const sink of this.sinks) {
      try {
        sink.emit(event);
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
  }
}

/** Collects events in memory (tests, and the API when no output is wanted). */
export class MemorySink implements EventSink {
  readonly events: TrainerEvent[] = [];
  emit(event: TrainerEvent): void {
    this.events.push(event);
  }
}
