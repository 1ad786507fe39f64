/** A child process's stdout and stderr as log lines, keeping stderr's last lines for its exit message. */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const TAIL_LINES = 20;

export function forwardOutputLines(child: ChildProcess, stderrTail: string[], log: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    // readline keeps a line that arrives in two chunks whole.
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line.trim() === '') return;
      if (stream === child.stderr) {
        stderrTail.push(line);
        if (stderrTail.length > TAIL_LINES) stderrTail.shift();
      }
      log(line);
    });
  }
}
