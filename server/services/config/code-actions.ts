/**
 * Quick fixes from the validator's machine-applicable fixes (rename a deprecated key, did-you-mean,
 * align save_strategy, round save_steps, remove an unsupported key). They are text edits, so
 * comments and formatting elsewhere stay as they are.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver';
import type { Problem } from '../../../src/config/index';
import type { ServiceContext } from '../../context';
import { problemToDiagnostic, validateConfigText } from './diagnostics';

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function intersects(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** The client's diagnostic for a problem, so the action is linked to what the user sees. */
function matchingDiagnostic(problem: Problem, diagnostics: readonly Diagnostic[]): Diagnostic | undefined {
  return diagnostics.find((d) => d.code === problem.code && sameRange(d.range, problem.range));
}

export function configCodeActions(
  text: string,
  fileName: string,
  uri: string,
  range: Range,
  diagnostics: readonly Diagnostic[],
  context: ServiceContext,
): CodeAction[] {
  return problemCodeActions(validateConfigText(text, fileName, context).problems, uri, range, diagnostics);
}

/** Code actions for the problems with a fix at `range` (or behind one of the client's diagnostics); sweep files use it too. */
export function problemCodeActions(problems: readonly Problem[], uri: string, range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const fixable = problems.filter((p) => (p.fix || p.fixes) && (intersects(p.range, range) || matchingDiagnostic(p, diagnostics)));
  return fixable.flatMap((problem) => {
    // One fix is preferred; alternatives (the memory plan's ways to fit) are offered side by side.
    const fixes = problem.fix ? [problem.fix] : (problem.fixes ?? []);
    return fixes.map((fix) => ({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [matchingDiagnostic(problem, diagnostics) ?? problemToDiagnostic(problem)],
      isPreferred: fixable.length === 1 && fixes.length === 1,
      edit: { changes: { [uri]: fix.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
    }));
  });
}
