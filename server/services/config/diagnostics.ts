/** Diagnostics for trainer configs: exactly what validateParsedConfig reports, parse errors included. */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import { validateParsedConfig, type ParsedConfig, type Problem } from '../../../src/config/index';
import type { ServiceContext } from '../../context';

export const DIAGNOSTIC_SOURCE = 'finetune-studio';

const SEVERITY: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** Codes whose text is deprecated (renamed HF keys) or has no effect: editors render them struck through or faded. */
const TAGS: Record<string, DiagnosticTag> = {
  FTS110: DiagnosticTag.Deprecated,
  FTS121: DiagnosticTag.Unnecessary,
};

export function problemToDiagnostic(problem: Problem): Diagnostic {
  const tag = TAGS[problem.code];
  return {
    range: problem.range,
    severity: SEVERITY[problem.severity],
    code: problem.code,
    source: DIAGNOSTIC_SOURCE,
    message: problem.message,
    ...(tag !== undefined ? { tags: [tag] } : {}),
  };
}

export function validateConfigText(text: string, fileName: string, context: ServiceContext): { parsed: ParsedConfig; problems: Problem[] } {
  const parsed = context.parseConfig(text, fileName);
  return { parsed, problems: validateParsedConfig(parsed, context.configHost).problems };
}

export function configDiagnostics(text: string, fileName: string, context: ServiceContext): Diagnostic[] {
  return validateConfigText(text, fileName, context).problems.map(problemToDiagnostic);
}
