/** Shared test helpers: an in-memory ConfigHost and shortcuts for parse + validate + fixes. */
import type { ConfigHost } from '../../../src/config/host';
import { applyEdits } from '../../../src/config/edits';
import { parseConfigText } from '../../../src/config/parse';
import type { ParsedConfig } from '../../../src/config/parsed';
import type { Problem } from '../../../src/config/problems';
import { validateParsedConfig, type ValidationResult } from '../../../src/config/validate';

/** A host over a map of absolute paths to file contents; rows are counted like JSONL. */
export function memoryHost(files: Record<string, string>): ConfigHost {
  return {
    resolvePath: (from, relative) => {
      if (relative.startsWith('/')) return relative;
      const parts = from.split('/').slice(0, -1);
      for (const part of relative.split('/')) {
        if (part === '..') parts.pop();
        else if (part !== '.' && part !== '') parts.push(part);
      }
      return parts.join('/');
    },
    fileExists: (path) => path in files || Object.keys(files).some((f) => f.startsWith(`${path}/`)),
    readTextHead: (path, maxBytes) => files[path]?.slice(0, maxBytes),
    countDataRows: (path) => (path in files ? files[path].split('\n').filter((l) => l.trim() !== '').length : undefined),
  };
}

export const jsonlRows = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `example ${i}`, label: i % 2 })).join('\n');

/** The files a config at /proj/x.trainer.yaml sees by default: 100 training rows, 20 eval rows. */
export const DEFAULT_FILES: Record<string, string> = {
  '/proj/data/train.jsonl': jsonlRows(100),
  '/proj/data/valid.jsonl': jsonlRows(20),
};

export interface Checked extends ValidationResult {
  parsed: ParsedConfig;
}

export function check(text: string, fileName = '/proj/x.trainer.yaml', files: Record<string, string> = DEFAULT_FILES): Checked {
  const parsed = parseConfigText(text, fileName);
  return { parsed, ...validateParsedConfig(parsed, memoryHost(files)) };
}

export const codes = (problems: readonly Problem[]): string[] => problems.map((p) => p.code);

export function only(problems: readonly Problem[], code: string): Problem {
  const found = problems.filter((p) => p.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${JSON.stringify(problems.map((p) => `${p.code}: ${p.message}`), null, 1)}`);
  return found[0];
}

/** The source text a problem's range covers. */
export function rangeText(parsed: ParsedConfig, problem: Problem): string {
  return parsed.text.slice(parsed.offsetAt(problem.range.start), parsed.offsetAt(problem.range.end));
}

/** The text after applying a problem's fix. */
export function applyFix(parsed: ParsedConfig, problem: Problem): string {
  if (!problem.fix) throw new Error(`${problem.code} has no fix: ${problem.message}`);
  return applyEdits(parsed.text, problem.fix.edits, (p) => parsed.offsetAt(p));
}

/** A valid YAML config with the given training_args lines appended (two-space indented). */
export function yamlConfig(trainingArgs: string[] = [], extra: string[] = []): string {
  return [
    'model:',
    '  architecture: text-classifier',
    '  num_labels: 2',
    'data:',
    '  train_file: data/train.jsonl',
    '  eval_file: data/valid.jsonl',
    ...extra,
    'training_args:',
    '  output_dir: runs/x',
    '  logging_steps: 5',
    ...trainingArgs.map((l) => `  ${l}`),
    '',
  ].join('\n');
}
