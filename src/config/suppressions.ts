/**
 * In-file suppression of diagnostics, as yaml-language-server allows:
 *   # finetune-studio-disable FTS207 FTS212      (YAML)
 *   // finetune-studio-disable FTS207            (JSON with comments)
 * on a line of its own, anywhere in the file, for the whole file. Only warnings and information
 * can be silenced: an error means the run would fail or do something else than written, so it
 * stays. A directive without codes silences nothing (a blanket switch would hide real errors).
 */
import type { Problem } from './problems';

const DIRECTIVE = /^[ \t]*(?:#|\/\/)[ \t]*finetune-studio-disable\b([^\n]*)$/gm;
const CODE = /\bFTS\d{3}\b/g;

/** The codes that the file's directives name. */
export function suppressedCodes(text: string): ReadonlySet<string> {
  const codes = new Set<string>();
  if (!text.includes('finetune-studio-disable')) return codes;
  for (const directive of text.matchAll(DIRECTIVE)) {
    for (const code of directive[1].matchAll(CODE)) codes.add(code[0]);
  }
  return codes;
}

/** The problems left once the file's directives are applied; errors are never dropped. */
export function withoutSuppressed(problems: Problem[], codes: ReadonlySet<string>): Problem[] {
  if (codes.size === 0) return problems;
  return problems.filter((problem) => problem.severity === 'error' || !codes.has(problem.code));
}
