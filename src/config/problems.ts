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
}

/** `file:line:col: severity: message [CODE]` with 1-based line and column, as compilers print. */
export function formatProblem(problem: Problem): string {
  const { line, character } = problem.range.start;
  return `${problem.file}:${line + 1}:${character + 1}: ${problem.severity}: ${problem.message} [${problem.code}]`;
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
