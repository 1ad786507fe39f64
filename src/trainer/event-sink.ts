/**
 * Where trainer events go. The run writes every event to metrics.jsonl as it happens (synchronous
 * append, so a killed process loses nothing already emitted) and fans out to the CLI or IPC.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TrainerEvent } from '../protocol/events';

export interface EventSink {
  emit(event: TrainerEvent): void;
}

/**
 * Appends one JSON object per line. Errors (a full disk) surface to the caller at once. A line is
 * never left torn by this writer: a failed write is cut back off; and an append to a file that
 * does not end with a newline (torn by a kill, or by a write that could not be cut back) starts
 * on a new line, so the next event is never glued onto the broken one.
 */
export class JsonlEventLog implements EventSink {
  private fd: number | undefined;
  private needsNewline: boolean;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a+');
    this.needsNewline = !endsWithNewline(this.fd);
  }

  emit(event: TrainerEvent): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(`${this.needsNewline ? '\n' : ''}${JSON.stringify(event)}\n`);
    const before = fstatSync(this.fd).size;
    try {
      let written = 0;
      while (written < line.length) written += writeSync(this.fd, line, written);
      this.needsNewline = false;
    } catch (error) {
      try {
        if (fstatSync(this.fd).size > before) ftruncateSync(this.fd, before);
      } catch {
        this.needsNewline = true;
      }
      throw error;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Whether the file is empty or ends with a newline (a regular file; special files count as ending cleanly). */
function endsWithNewline(fd: number): boolean {
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, stat.size - 1);
  return last[0] === 0x0a;
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
