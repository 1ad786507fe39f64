/**
 * The config package: schema, parsing with positions, validation, cross-field rules and
 * generated artefacts. Shared by the Trainer, CLI, language server and webview; no Node, no tfjs.
 */
export * from './schema';
export type { Position, Range, LineIndex } from './position';
export { createLineIndex } from './position';
export type { ConfigNode, ObjectNode, ArrayNode, ScalarNode, PropertyNode, ScalarValue, JsonValue, ConfigPath } from './tree';
export { toPlainValue, getProperty, describeNodeType } from './tree';
export type { ParsedConfig, ConfigFormat } from './parsed';
export { formatForFileName } from './parsed';
export { parseConfigText } from './parse';
export type { PathAtOffset } from './path-at-offset';
export { getPathAtOffset, findNode, findProperty } from './path-at-offset';
export type { Problem, ProblemFix, TextEdit, Severity } from './problems';
export { formatProblem, hasErrors, sortProblems } from './problems';
export { applyEdits, removePropertyEdits, renameKeyEdit, replaceValueEdit, insertPropertyAfterEdit, formatKey, formatScalar } from './edits';
export type { RuleInfo, RuleCode } from './rules-table';
export { RULES, ruleInfo } from './rules-table';
export type { ConfigHost, HubModelLookup } from './host';
export { createNullConfigHost, describeError } from './host';
export type { TotalSteps, BestModelSelection, ReportTargets } from './resolve';
export {
  computeTotalSteps,
  resolveMetricNames,
  resolveReportTo,
  SUPPORTED_REPORT_INTEGRATIONS,
  resolveLossName,
  resolveBestModelMetric,
  effectiveEvalSteps,
  computedMetricKeys,
  isRegression,
} from './resolve';
export type { ValidationResult } from './validate';
export { validateParsedConfig, validateConfigText, validateConfigValue } from './validate';
export { columnsFromHead, columnsFromText, splitCsvLine, COLUMN_HEAD_BYTES } from './data-columns';
export type { DataFormat } from './data-formats';
export { CSV_EXTENSIONS, JSONL_EXTENSIONS, dataFormatOf, unknownFormatMessage } from './data-formats';
export type { RenamedHfKey, UnsupportedHfKey } from './hf-keys';
export { RENAMED_HF_KEYS, UNSUPPORTED_HF_KEYS, findRenamedHfKey, findUnsupportedHfKey } from './hf-keys';
export type { RuleContext, CrossFieldRule } from './rules';
export { CROSS_FIELD_RULES, runCrossFieldRules } from './rules';
export type { SchemaShape } from './schema-shape';
export { shapeOf, describeSchema, describeBounds, withinBounds, isDefaultable, effectivelyRequired, applyDefaults } from './schema-shape';
export { closestMatch, editDistance } from './suggest';
export { renderJsonSchema, renderJsonSchemaObject, JSON_SCHEMA_ID, JSON_SCHEMA_PATH } from './json-schema';
export { renderConfigDocs, CONFIG_DOCS_PATH } from './docs';
export type { CausalFormat } from './causal-data';
export { detectCausalFormat, foreignCausalShape } from './causal-data';
export type { CheckpointTask } from './checkpoint-task';
export { checkpointTask } from './checkpoint-task';
