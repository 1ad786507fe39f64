/**
 * Sweep-file validation: the schema walk of src/config (same messages, same positions), then
 * what only a sweep has: every parameter path checked against the trainer-config schema (with
 * did-you-mean), each parameter's range checked against the field it sets, the base config
 * validated, the objective computed by it, and ASHA's need for step evaluations.
 */
import { renameKeyEdit } from '../config/edits';
import type { ConfigHost } from '../config/host';
import { parseConfigText } from '../config/parse';
import type { ParsedConfig } from '../config/parsed';
import type { Range } from '../config/position';
import { hasErrors, sortProblems, type Problem, type ProblemFix } from '../config/problems';
import { computedMetricKeys, isLowerBetterMetric } from '../config/resolve';
import type { RuleCode } from '../config/rules-table';
import { TrainerConfigSchema, type TrainerConfig } from '../config/schema';
import { applyDefaults, describeSchema, shapeOf, type SchemaShape } from '../config/schema-shape';
import { walkConfig, walkValue } from '../config/schema-walk';
import { closestMatch } from '../config/suggest';
import { describeNodeType, type ConfigNode, type JsonValue, type ObjectNode, type PropertyNode } from '../config/tree';
import { validateParsedConfig } from '../config/validate';
import { isTrainerConfigPath } from '../protocol/config-files';
import { SweepSchema, type ParameterSpec, type SweepFile } from './schema';

/** What sweep validation reads besides the sweep text: the ConfigHost plus whole files (the base config). */
export interface SweepHost extends ConfigHost {
  readText(path: string): string | undefined;
}

export interface SweepParameter {
  /** Dotted trainer-config path, e.g. `training_args.learning_rate`. */
  path: string;
  spec: ParameterSpec;
  /** The trainer field's schema (integer fields draw integers). */
  field: SchemaShape;
}

/** A sweep after defaults, with its base config resolved; defined only when there are no errors. */
export interface ResolvedSweep {
  file: SweepFile;
  fileName: string;
  /** Absolute path of the base trainer config. */
  basePath: string;
  base: TrainerConfig;
  parameters: SweepParameter[];
  /** The `eval_` key trials are ranked by, and its direction. */
  objective: { key: string; greaterIsBetter: boolean };
}

export interface SweepValidation {
  parsed: ParsedConfig;
  sweep: ResolvedSweep | undefined;
  problems: Problem[];
}

const ROOT = shapeOf(SweepSchema);
const TRAINER_ROOT = shapeOf(TrainerConfigSchema);
/** Fields a trial may not vary: the sweep owns where trials write and how they start. */
const RESERVED = new Set(['training_args.output_dir', 'training_args.overwrite_output_dir', 'training_args.resume_from_checkpoint', '$schema', 'launcher']);
const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function validateSweepText(text: string, fileName: string, host: SweepHost): SweepValidation {
  return validateParsedSweep(parseConfigText(text, fileName), host);
}

export function validateParsedSweep(parsed: ParsedConfig, host: SweepHost): SweepValidation {
  const problems: Problem[] = [...parsed.problems];
  const add = (range: Range, code: RuleCode | 'FTS003', message: string, severity: Problem['severity'] = 'error', fix?: ProblemFix) =>
    problems.push({ file: parsed.fileName, range, severity, code, message, ...(fix ? { fix } : {}) });
  const done = (sweep?: ResolvedSweep): SweepValidation => ({ parsed, sweep: hasErrors(problems) ? undefined : sweep, problems: sortProblems(problems) });

  const root = parsed.root;
  if (root?.type !== 'object') {
    if (!hasErrors(problems)) {
      add(root?.range ?? ZERO, 'FTS003', root === undefined || (root.type === 'scalar' && root.value === null)
        ? 'the sweep file is empty; it needs at least `base:` (a trainer config) and `parameters:`'
        : `a sweep file is a mapping of keys (base, parameters, ...), but this document is ${describeNodeType(root)}`);
    }
    return done();
  }
  const walk = walkConfig(parsed, ROOT, [{ path: [], schema: ROOT }]);
  problems.push(...walk.problems);
  const value = walk.value === undefined ? undefined : (applyDefaults(ROOT, walk.value) as SweepFile);
  // applyDefaults fills every defaultable object; early termination is on only when written.
  if (value && (walk.value as Partial<SweepFile>).early_termination === undefined) delete value.early_termination;

  const parameters = checkParameters(parsed, root, value, add);
  const base = checkBase(parsed, root, value, host, add);
  const objective = base ? checkObjective(root, value, base, parameters, add) : undefined;
  if (base && value?.early_termination) checkEarlyTermination(root, base.config, add);
  if (value && value.method === 'random' && value.trials === undefined && !walk.invalidPaths.has('trials')) {
    add(keyRange(root, 'method') ?? ZERO, 'FTS303', '`method: random` needs `trials:` (how many trials to draw)');
  }
  if (value && value.method === 'grid' && value.trials !== undefined && parameters.length > 0) {
    const combinations = parameters.reduce((n, p) => n * (p.spec.values?.length ?? 1), 1);
    if (combinations > value.trials) {
      add(keyRange(root, 'trials') ?? ZERO, 'FTS303', `the grid has ${combinations} combinations; only the first ${value.trials} run`, 'warning');
    }
  }
  if (!value || !base || !objective || hasErrors(problems)) return done();
  return done({ file: value, fileName: parsed.fileName, basePath: base.path, base: base.config, parameters, objective });
}

type Add = (range: Range, code: RuleCode, message: string, severity?: Problem['severity'], fix?: ProblemFix) => void;

function property(node: ObjectNode, key: string): PropertyNode | undefined {
  return [...node.properties].reverse().find((p) => p.key === key);
}

function keyRange(node: ObjectNode, key: string): Range | undefined {
  return property(node, key)?.keyRange;
}

/** Every settable trainer field, by dotted path (records such as `lr_scheduler_kwargs` are leaves). */
export function trainerFieldPaths(schema: SchemaShape = TRAINER_ROOT, prefix = ''): [string, SchemaShape][] {
  const fields: [string, SchemaShape][] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (RESERVED.has(path)) continue;
    if (child.type === 'object' && child.properties) fields.push(...trainerFieldPaths(child, path));
    else fields.push([path, child]);
  }
  return fields;
}

/** The trainer field a dotted path names: declared keys, then keys inside records (`lr_scheduler_kwargs.num_cycles`). */
export function trainerFieldAt(path: string): SchemaShape | undefined {
  let schema: SchemaShape | undefined = TRAINER_ROOT;
  for (const segment of path.split('.')) {
    if (!schema || schema.type !== 'object') return undefined;
    if (schema.properties && Object.prototype.hasOwnProperty.call(schema.properties, segment)) schema = schema.properties[segment];
    else if (schema.patternProperties) schema = Object.values(schema.patternProperties)[0];
    else return undefined;
  }
  return schema;
}

/** The path a misspelt or misplaced one probably meant: a close full path, else the field of that name in another section. */
export function suggestFieldPath(path: string): string | undefined {
  const fields = trainerFieldPaths().map(([p]) => p);
  const close = closestMatch(path, fields);
  if (close) return close;
  const last = path.split('.').at(-1) ?? path;
  const byName = fields.filter((p) => p.split('.').at(-1) === last);
  if (byName.length === 1) return byName[0];
  const names = fields.map((p) => p.split('.').at(-1) ?? p);
  const closeName = closestMatch(last, names);
  return closeName ? fields[names.indexOf(closeName)] : undefined;
}

function checkParameters(parsed: ParsedConfig, root: ObjectNode, value: SweepFile | undefined, add: Add): SweepParameter[] {
  const node = property(root, 'parameters')?.value;
  if (node?.type !== 'object') return [];
  if (node.properties.length === 0) add(keyRange(root, 'parameters') ?? ZERO, 'FTS301', '`parameters` is empty; name at least one trainer field to vary, e.g. `training_args.learning_rate`');
  const method = value?.method ?? 'random';
  const result: SweepParameter[] = [];
  for (const prop of node.properties) {
    const path = prop.key;
    const field = RESERVED.has(path) ? undefined : trainerFieldAt(path);
    if (RESERVED.has(path)) {
      add(prop.keyRange, 'FTS300', `\`${path}\` cannot be a sweep parameter: the sweep sets it for each trial`);
      continue;
    }
    if (path === 'launcher' || path.startsWith('launcher.')) {
      // Every trial is a task of one job array, submitted with one script.
      add(prop.keyRange, 'FTS300', `\`${path}\` cannot be a sweep parameter: all trials go to Slurm as one job array; set it under the sweep's own \`launcher:\``);
      continue;
    }
    if (!field) {
      const suggestion = suggestFieldPath(path);
      add(
        prop.keyRange,
        'FTS300',
        `\`${path}\` is not a trainer-config field${suggestion ? `; did you mean \`${suggestion}\`?` : '; parameters are dotted paths such as `training_args.learning_rate` or `model.dropout`'}`,
        'error',
        suggestion ? { title: `Rename to \`${suggestion}\``, edits: [renameKeyEdit(parsed, prop, suggestion)] } : undefined,
      );
      continue;
    }
    if (field.type === 'object' && field.properties) {
      const example = Object.keys(field.properties)[0];
      add(prop.keyRange, 'FTS300', `\`${path}\` is a section, not a field; name a field in it, e.g. \`${path}.${example}\``);
      continue;
    }
    const spec = value?.parameters?.[path];
    if (!spec || prop.value?.type !== 'object') continue;
    if (checkSpec(parsed, prop, prop.value, path, spec, field, method, add)) result.push({ path, spec, field });
  }
  return result;
}

const numericOf = (field: SchemaShape): SchemaShape | undefined =>
  field.type === 'number' || field.type === 'integer' ? field : field.anyOf?.find((s) => s.type === 'number' || s.type === 'integer');

/** One parameter: its kind fits the method and the field, bounds are ordered, every value fits the field. */
function checkSpec(parsed: ParsedConfig, prop: PropertyNode, node: ObjectNode, path: string, spec: ParameterSpec, field: SchemaShape, method: string, add: Add): boolean {
  const at = (key: string) => keyRange(node, key) ?? prop.keyRange;
  const before = { errors: 0 };
  const fail = (range: Range, message: string) => {
    before.errors++;
    add(range, 'FTS301', message);
  };
  const distribution = spec.distribution ?? (spec.values ? 'choice' : undefined);
  if (spec.values && spec.distribution && spec.distribution !== 'choice') fail(at('distribution'), `\`${path}\`: \`values\` and \`distribution: ${spec.distribution}\` exclude each other; keep one`);
  if (!distribution) fail(prop.keyRange, `\`${path}\` needs \`values: [...]\` or a \`distribution\` with \`min\` and \`max\``);
  if (distribution === 'choice' && !spec.values) fail(at('distribution'), `\`${path}\`: \`distribution: choice\` needs \`values: [...]\``);
  if (method === 'grid' && !spec.values) fail(prop.keyRange, `\`${path}\`: \`method: grid\` tries listed \`values\`; a \`${distribution ?? 'distribution'}\` cannot be enumerated (use \`method: random\`, or list values)`);
  if (spec.values && spec.values.length === 0) fail(at('values'), `\`${path}\`: \`values\` is empty`);
  if (distribution && distribution !== 'choice') {
    const numeric = numericOf(field);
    if (!numeric) fail(at('distribution'), `\`${path}\` is ${describeSchema(field)}; a \`${distribution}\` draws numbers, so list \`values\` instead`);
    else if (numeric.type === 'integer' && distribution !== 'int_uniform') fail(at('distribution'), `\`${path}\` is an integer field; use \`distribution: int_uniform\``);
    if (spec.min === undefined || spec.max === undefined) fail(prop.keyRange, `\`${path}\`: \`${distribution}\` needs both \`min\` and \`max\``);
    else if (!(spec.min < spec.max)) fail(at('min'), `\`${path}\`: \`min\` (${spec.min}) must be below \`max\` (${spec.max})`);
    else if (distribution === 'log_uniform' && spec.min <= 0) fail(at('min'), `\`${path}\`: \`log_uniform\` needs \`min\` > 0 (got ${spec.min})`);
    else if (distribution === 'int_uniform' && (!Number.isInteger(spec.min) || !Number.isInteger(spec.max))) fail(at('min'), `\`${path}\`: \`int_uniform\` needs whole-number \`min\` and \`max\``);
  }
  // Each value and bound must be acceptable to the trainer field itself (type, range, enum).
  const checkAgainstField = (valueNode: ConfigNode | undefined) => {
    if (!valueNode) return;
    for (const problem of walkValue(parsed, valueNode, field, path.split('.')).problems) {
      before.errors++;
      add(problem.range, 'FTS301', `sweep value: ${problem.message}`, 'error', problem.fix);
    }
  };
  const valuesNode = property(node, 'values')?.value;
  if (valuesNode?.type === 'array') valuesNode.items.forEach(checkAgainstField);
  if (distribution && distribution !== 'choice' && numericOf(field)) {
    checkAgainstField(property(node, 'min')?.value);
    checkAgainstField(property(node, 'max')?.value);
  }
  return before.errors === 0;
}

interface BaseConfig {
  path: string;
  config: TrainerConfig;
}

function checkBase(parsed: ParsedConfig, root: ObjectNode, value: SweepFile | undefined, host: SweepHost, add: Add): BaseConfig | undefined {
  const node = property(root, 'base')?.value;
  if (!value?.base || node === undefined) return undefined;
  const range = node.range;
  if (!isTrainerConfigPath(value.base)) {
    add(range, 'FTS302', `\`base\` must be a trainer config (\`*.trainer.yaml\`, \`*.trainer.yml\` or \`*.trainer.json\`); got \`${value.base}\``);
    return undefined;
  }
  const path = host.resolvePath(parsed.fileName, value.base);
  const text = host.fileExists(path) ? host.readText(path) : undefined;
  if (text === undefined) {
    add(range, 'FTS302', `base config \`${value.base}\` not found (looked at ${path}); paths are relative to the sweep file`);
    return undefined;
  }
  const result = validateParsedConfig(parseConfigText(text, path), host);
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (!result.config || errors.length > 0) {
    const first = errors[0];
    const where = first ? ` (first: line ${first.range.start.line + 1}: ${first.message})` : '';
    add(range, 'FTS302', `base config \`${value.base}\` has ${errors.length} error(s)${where}; fix it first (finetune-studio validate ${value.base})`);
    return undefined;
  }
  return { path, config: result.config };
}

function checkObjective(root: ObjectNode, value: SweepFile | undefined, base: BaseConfig, parameters: SweepParameter[], add: Add): ResolvedSweep['objective'] | undefined {
  if (!value) return undefined;
  const name = value.objective.metric_for_best_model;
  const metric = name.startsWith('eval_') ? name.slice('eval_'.length) : name;
  const objectiveNode = property(root, 'objective')?.value;
  const range = (objectiveNode?.type === 'object' ? property(objectiveNode, 'metric_for_best_model')?.value?.range : undefined) ?? keyRange(root, 'objective') ?? ZERO;
  const computed = computedMetricKeys(base.config);
  const variesMetrics = parameters.some((p) => p.path === 'metrics' || p.path === 'model.num_labels');
  if (!computed.includes(metric) && !variesMetrics) {
    add(range, 'FTS304', `the objective \`${name}\` is not computed by the base config, which evaluates ${computed.map((k) => `\`eval_${k}\``).join(', ')}; pick one, or add \`${metric}\` to its \`metrics\``);
    return undefined;
  }
  if (base.config.training_args.eval_strategy === 'no' && !parameters.some((p) => p.path === 'training_args.eval_strategy')) {
    add(range, 'FTS304', 'the base config never evaluates (`eval_strategy: no`), so trials have no objective; set `eval_strategy: steps` or `epoch` there');
    return undefined;
  }
  const direction = value.objective.direction;
  return { key: `eval_${metric}`, greaterIsBetter: direction ? direction === 'maximize' : !isLowerBetterMetric(metric) };
}

function checkEarlyTermination(root: ObjectNode, base: TrainerConfig, add: Add): void {
  const range = keyRange(root, 'early_termination') ?? ZERO;
  if (base.training_args.eval_strategy !== 'steps') {
    add(range, 'FTS305', `ASHA compares trials at step rungs, but the base config evaluates with \`eval_strategy: ${base.training_args.eval_strategy}\`; set \`eval_strategy: steps\` there`);
  }
}

/** A plain value for messages and tables. */
export function formatParameterValue(value: JsonValue | undefined): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+(e|$)/, '$1');
  return typeof value === 'string' ? value : JSON.stringify(value);
}
