/** Runs the real CLI (`src/cli/main.ts` through tsx) as a child process, collecting its --json events. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isTrainerEvent } from '../../../src/protocol/guards';
import type { TrainerEvent } from '../../../src/protocol/events';

export const CLI = resolve(__dirname, '../../../src/cli/main.ts');

export interface CliRun {
  child: ReturnType<typeof spawn>;
  events: TrainerEvent[];
  badLines: string[];
  /** Exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
}

/** Starts the CLI; `onEvent` sees each --json line as it arrives. */
export function startCli(args: string[], onEvent: (event: TrainerEvent, child: ReturnType<typeof spawn>) => void = () => {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: TrainerEvent[] = [];
  const badLines: string[] = [];
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    try {
      const parsed: unknown = JSON.parse(line);
      if (isTrainerEvent(parsed)) {
        events.push(parsed);
        onEvent(parsed, child);
      } else badLines.push(line);
    } catch {
      badLines.push(line);
    }
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, events, badLines, exited, stdout: () => stdout, stderr: () => stderr };
}
