/**
 * One TensorBoard event file, appended record by record with synchronous writes: each record is in
 * the kernel once `write` returns, so a killed process leaves every record written so far readable.
 */
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent } from './tb-events';
import { tfRecord } from './tfrecord';

/**
 * `events.out.tfevents.<%010d seconds>.<host>.<pid>.<n>`, tensorboard's own EventFileWriter name; `n`
 * is the first number whose file does not exist yet, so two writers in one process never share a file.
 */
export function eventFileName(dir: string, wallTimeSecs: number, host = hostname(), pid = process.pid): string {
  const seconds = String(Math.floor(wallTimeSecs)).padStart(10, '0');
  for (let n = 0; ; n++) {
    const name = `events.out.tfevents.${seconds}.${host}.${pid}.${n}`;
    if (!existsSync(join(dir, name))) return name;
  }
}

export class EventFileWriter {
  readonly path: string;
  private fd: number | undefined;

  /** Creates `dir` and a new event file in it, starting with the `brain.Event:2` record. */
  constructor(dir: string, wallTimeSecs: number) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, eventFileName(dir, wallTimeSecs));
    this.fd = openSync(this.path, 'wx');
    this.write(fileVersionEvent(wallTimeSecs));
  }

  /** Appends serialized Events, in one write (one system call per logged entry, not per value). */
  write(...events: Uint8Array[]): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const records = events.map(tfRecord);
    writeSync(this.fd, records.length === 1 ? records[0]! : Buffer.concat(records));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
