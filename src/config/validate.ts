/** Validation entry point: parse problems, schema walk, HF key checks, cross-field rules. */
import type { ConfigHost } from './host';
import type { ParsedConfig } from './parsed';
import { hasErrors, sortProblems, type Problem } from './problems';
import type { TrainerConfig } from './schema';

export interface ValidationResult {
  /** The config with every default applied; defined exactly when there are no errors. */
  config: TrainerConfig | undefined;
  problems: Problem[];
}

export function validateParsedConfig(parsed: ParsedConfig, _host: ConfigHost): ValidationResult {
  const problems = [...parsed.problems];
  return { config: hasErrors(problems) ? undefined : undefined, problems: sortProblems(problems) };
}
