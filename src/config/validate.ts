/** Validation entry point: parse problems, schema walk (with HF key checks), cross-field rules. */
import type { ConfigHost } from './host';
import { parseConfigText } from './parse';
import type { ParsedConfig } from './parsed';
import { capProblems, hasErrors, type Problem } from './problems';
import { resolveLossName, resolveMetricNames } from './resolve';
import { runCrossFieldRules } from './rules';
import { suppressedCodes, withoutSuppressed } from './suppressions';
import { DataSchema, LossKwargsSchema, ModelSchema, TrainerConfigSchema, TrainingArgumentsSchema, type TrainerConfig } from './schema';
import { applyDefaults, shapeOf } from './schema-shape';
import { pathKey, walkConfig, type SectionInfo } from './schema-walk';

export interface ValidationResult {
  /** The config with every default applied, loss and metrics resolved; defined exactly when there are no errors. */
  config: TrainerConfig | undefined;
  problems: Problem[];
}

const SECTIONS: readonly SectionInfo[] = [
  { path: ['training_args'], schema: shapeOf(TrainingArgumentsSchema) },
  { path: ['model'], schema: shapeOf(ModelSchema) },
  { path: ['data'], schema: shapeOf(DataSchema) },
  { path: [], schema: shapeOf(TrainerConfigSchema) },
  { path: ['loss_kwargs'], schema: shapeOf(LossKwargsSchema) },
];

export function validateParsedConfig(parsed: ParsedConfig, host: ConfigHost): ValidationResult {
  const problems: Problem[] = [...parsed.problems];
  const walk = walkConfig(parsed, shapeOf(TrainerConfigSchema), SECTIONS);
  // Appended one by one: a hostile file can have more problems than a call takes arguments.
  for (const problem of walk.problems) problems.push(problem);
  const omitted = parsed.omittedProblems + walk.omitted;
  const finish = (config: TrainerConfig | undefined): ValidationResult => ({
    config,
    problems: capProblems(withoutSuppressed(problems, suppressedCodes(parsed.text)), omitted, parsed.fileName),
  });
  if (walk.invalidPaths.has('') || walk.value === undefined) return finish(undefined);

  const withDefaults = applyDefaults(shapeOf(TrainerConfigSchema), walk.value) as TrainerConfig;
  const usable = (...paths: string[]) =>
    paths.every((path) => {
      const segments = path.split('.');
      return segments.every((_, i) => !walk.invalidPaths.has(pathKey(segments.slice(0, i + 1))));
    });
  for (const problem of runCrossFieldRules({ parsed, config: withDefaults, host, usable, written: (path) => walk.sourceProperties.get(path) })) problems.push(problem);

  // Omitted problems are errors (capProblems says so), so a capped file never yields a config.
  if (hasErrors(problems) || omitted > 0) return finish(undefined);
  return finish({ ...withDefaults, loss_name: resolveLossName(withDefaults), metrics: resolveMetricNames(withDefaults) });
}

/** Parses and validates config text in one call (the language server and tests). */
export function validateConfigText(text: string, fileName: string, host: ConfigHost): ValidationResult & { parsed: ParsedConfig } {
  const parsed = parseConfigText(text, fileName);
  return { parsed, ...validateParsedConfig(parsed, host) };
}

/**
 * Validates a config given as a plain value (built in code rather than read from a file). It is
 * checked as JSON text, so problem positions refer to that pretty-printed text; paths in it are
 * relative to `fileName`'s folder.
 */
export function validateConfigValue(value: unknown, host: ConfigHost, fileName = 'config.trainer.json'): ValidationResult {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? '';
  } catch (error) {
    const message = `the config value cannot be serialised: ${error instanceof Error ? error.message : String(error)}`;
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return { config: undefined, problems: [{ file: fileName, range, severity: 'error', code: 'FTS003', message }] };
  }
  return validateParsedConfig(parseConfigText(text, /\.json$/i.test(fileName) ? fileName : `${fileName}.json`), host);
}
