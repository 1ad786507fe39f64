/**
 * Problems found in a config: what the CLI prints, the language server shows as diagnostics,
 * and the Trainer refuses to start on (any `error`).
 */
import type { Range } from './position';

export type Severity = 'error' | 'warning' | 'information';

export interface TextEdit {
  range: Range;
  newText: string;
}

/** A machine-applicable fix; the language server offers it as a quick fix. */
export interface ProblemFix {
  title: string;
  edits: TextEdit[];
}

export interface Problem {
  file: string;
  range: Range;
  severity: Severity;
  /** Stable rule code, `FTSnnn`; see RULES. */
  code: string;
  message: string;
  fix?: ProblemFix;
  /** Alternative fixes, none preferred: the editor offers each as a quick fix; none is applied automatically. */
  fixes?: ProblemFix[];
}

/** `file:line:col: severity: message [CODE]` with 1-based line and column, as compilers print. */
export function formatProblem(problem: Problem): string {
  const { line, character } = problem.range.start;
  return `${problem.file}:${line + 1}:${character + 1}: ${problem.severity}: ${problem.message} [${problem.code}]`;
}

/**
 * Problems listed per file, at most. A generated or hostile file can hold a problem per line;
 * listing 100,000 of them helps nobody and costs seconds on every keystroke.
 */
export const MAX_PROBLEMS_PER_FILE = 1000;

/**
 * Sorts the problems and keeps the first MAX_PROBLEMS_PER_FILE, then one that says how many more
 * were left out (`alsoOmitted` counts problems never built because the file was already over
 * the cap; they are errors). The summary is an error when anything left out is, so exit codes
 * and "can this run start" stay right.
 */
export function capProblems(problems: readonly Problem[], alsoOmitted = 0, file = problems[0]?.file ?? ''): Problem[] {
  const sorted = sortProblems(problems);
  if (sorted.length <= MAX_PROBLEMS_PER_FILE && alsoOmitted === 0) return sorted;
  const listed = sorted.slice(0, MAX_PROBLEMS_PER_FILE);
  const dropped = sorted.slice(MAX_PROBLEMS_PER_FILE);
  const omitted = dropped.length + alsoOmitted;
  const at = dropped[0]?.range ?? listed[listed.length - 1]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  listed.push({
    file,
    range: at,
    severity: alsoOmitted > 0 || hasErrors(dropped) ? 'error' : 'warning',
    code: 'FTS007',
    message: `${omitted.toLocaleString('en-US')} more problem${omitted === 1 ? ' is' : 's are'} not listed (at most ${MAX_PROBLEMS_PER_FILE.toLocaleString('en-US')} are, per file); fix the ones listed first`,
  });
  return listed;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Orders problems by position, then code, so output is stable whatever order rules ran in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.code.localeCompare(b.code),
  );
}
