/** Reads and validates a sweep file from disk. Never throws: unreadable files become problems. */
import { readFileSync } from 'node:fs';
import { createNodeConfigHost } from '../cli/config-host';
import { parseConfigText } from '../config/parse';
import type { Problem } from '../config/problems';
import { validateParsedSweep, type SweepHost, type SweepValidation } from './validate';

export function createNodeSweepHost(): SweepHost {
  return {
    ...createNodeConfigHost(),
    readText(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

export function loadSweepFile(path: string, host: SweepHost = createNodeSweepHost()): SweepValidation {
  const text = host.readText(path);
  if (text === undefined) {
    const parsed = parseConfigText('', path);
    const problem: Problem = { file: path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 'error', code: 'FTS005', message: 'sweep file not found or unreadable' };
    return { parsed, sweep: undefined, problems: [problem] };
  }
  return validateParsedSweep(parseConfigText(text, path), host);
}
