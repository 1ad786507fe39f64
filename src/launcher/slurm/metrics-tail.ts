/**
 * Follows a run's metrics.jsonl on the shared filesystem: each `read()` returns the events appended
 * since the last one. Reads only the new bytes, and keeps a line still being written for the next
 * read, so a cluster run's events arrive as a local run's do.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { TrainerEvent } from '../../protocol/events';
import { parseTrainerEventLine } from '../../protocol/guards';

export class MetricsTail {
  private partial = '';

  /** `offset`: where to start, in bytes (a resubmitted run's earlier events are not news). */
  constructor(
    readonly path: string,
    private offset = 0,
  ) {}

  /** Starts at the file's current end (or its start, when there is no file yet). */
  static fromEnd(path: string): MetricsTail {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // not written yet
    }
    return new MetricsTail(path, size);
  }

  read(): TrainerEvent[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    const chunks: Buffer[] = [];
    try {
      const size = statSync(this.path).size;
      // A file rewritten from scratch (a fresh run in the same folder) is read again from its start.
      if (size < this.offset) {
        this.offset = 0;
        this.partial = '';
      }
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n <= 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, n)));
        this.offset += n;
      }
    } finally {
      closeSync(fd);
    }
    const text = this.partial + Buffer.concat(chunks).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    this.partial = text.slice(end);
    const events: TrainerEvent[] = [];
    for (const line of text.slice(0, end).split('\n')) {
      const event = parseTrainerEventLine(line);
      if (event) events.push(event);
    }
    return events;
  }
}
