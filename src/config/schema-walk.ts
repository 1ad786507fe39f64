/**
 * Walks the config tree against the schema, so every problem carries the exact range of the
 * offending key or value. Returns the value it could accept: invalid values are left out (defaults
 * then fill them), renamed Hugging Face keys are moved to their new names.
 */
import { insertPropertyAfterEdit, removePropertyEdits, renameKeyEdit, replaceValueEdit } from './edits';
import { findRenamedHfKey, findUnsupportedHfKey, isOffValue } from './hf-keys';
import type { ParsedConfig } from './parsed';
import type { Range } from './position';
import { MAX_PROBLEMS_PER_FILE, type Problem, type ProblemFix, type Severity } from './problems';
import type { RuleCode } from './rules-table';
import { describeBounds, describeSchema, effectivelyRequired, withinBounds, type SchemaShape } from './schema-shape';
import { closestMatch } from './suggest';
import { describeNodeType, toPlainValue, type ConfigNode, type ConfigPath, type JsonValue, type ObjectNode, type PropertyNode, type ScalarNode } from './tree';

export interface WalkResult {
  value: JsonValue | undefined;
  problems: Problem[];
  /** Paths (dot-joined) whose value was rejected; rules that read them stay quiet. */
  invalidPaths: Set<string>;
  /** Where each accepted key was written (renamed keys map to their new path). */
  sourceProperties: Map<string, PropertyNode>;
  /** Problems found but not built: the file already had MAX_PROBLEMS_PER_FILE (see `alreadyReported`). */
  omitted: number;
}

/** The sections of the config, for "this key belongs under ..." messages. */
export interface SectionInfo {
  path: ConfigPath;
  schema: SchemaShape;
}

interface WalkContext {
  parsed: ParsedConfig;
  root: SchemaShape;
  sections: readonly SectionInfo[];
  result: WalkResult;
  /** Problems counted before this walk (the parser's, and an enclosing walk's for union trials). */
  before: number;
}

export const pathKey = (path: readonly (string | number)[]): string => path.join('.');

const emptyResult = (): WalkResult => ({ value: undefined, problems: [], invalidPaths: new Set(), sourceProperties: new Map(), omitted: 0 });

/** `alreadyReported`: problems the file has before the walk (they count towards MAX_PROBLEMS_PER_FILE). */
export function walkConfig(parsed: ParsedConfig, schema: SchemaShape, sections: readonly SectionInfo[], alreadyReported = parsed.problems.length): WalkResult {
  const result = emptyResult();
  const context: WalkContext = { parsed, root: schema, sections, result, before: alreadyReported };
  const root = parsed.root;
  if (root === undefined || (root.type === 'scalar' && root.value === null)) {
    if (!parsed.problems.some((p) => p.severity === 'error')) {
      report(context, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, 'FTS003', 'error', 'the config is empty; it needs at least `data:` with `train_file:`');
    }
    result.invalidPaths.add('');
    return result;
  }
  if (root.type !== 'object') {
    report(context, root.range, 'FTS003', 'error', `a config is a mapping of keys (model, data, training_args, ...), but this document is ${describeNodeType(root)}`);
    result.invalidPaths.add('');
    return result;
  }
  result.value = walkNode(context, root, schema, [], undefined);
  return result;
}

/**
 * Checks one value against a schema, as if it stood at `path` of a config: a sweep checks the
 * values it will set against the trainer field they set, with the messages a config would get.
 */
export function walkValue(parsed: ParsedConfig, node: ConfigNode, schema: SchemaShape, path: ConfigPath): WalkResult {
  const result = emptyResult();
  result.value = walkNode({ parsed, root: schema, sections: [], result, before: 0 }, node, schema, path, undefined);
  return result;
}

function report(context: WalkContext, range: Range, code: RuleCode, severity: Severity, message: string, fix?: ProblemFix): void {
  if (isFull(context)) omit(context);
  else context.result.problems.push({ file: context.parsed.fileName, range, severity, code, message, ...(fix ? { fix } : {}) });
}

/**
 * Over the per-file cap, problems are only counted. Callers check this before costly messages
 * (suggestions, fixes), so a file with 100,000 bad keys costs what one with a thousand does.
 */
function isFull(context: WalkContext): boolean {
  return context.before + context.result.problems.length >= MAX_PROBLEMS_PER_FILE;
}

function omit(context: WalkContext): void {
  context.result.omitted++;
}

function invalid(context: WalkContext, path: ConfigPath): undefined {
  context.result.invalidPaths.add(pathKey(path));
  return undefined;
}

function label(path: ConfigPath): string {
  if (path.length === 0) return 'the config';
  let text = '';
  for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  return `\`${text}\``;
}

/** The schema branch a value must match; for unions, the one whose type fits the node. */
function walkNode(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath, owner: PropertyNode | undefined): JsonValue | undefined {
  if (schema.anyOf) return walkUnion(context, node, schema, path, owner);
  if (schema.type === undefined && schema.const === undefined && schema.enum === undefined) return toPlainValue(node);
  if (schema.type === 'object') return walkObject(context, node, schema, path, owner);
  if (schema.type === 'array') return walkArray(context, node, schema, path, owner);
  return walkScalar(context, node, schema, path);
}

function typeFits(node: ConfigNode, schema: SchemaShape): boolean {
  if (schema.anyOf) return schema.anyOf.some((branch) => typeFits(node, branch));
  if (schema.type === undefined) return true;
  if (schema.type === 'object') return node.type === 'object';
  if (schema.type === 'array') return node.type === 'array';
  if (node.type !== 'scalar') return false;
  const value = node.value;
  switch (schema.type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      return false;
  }
}

function walkUnion(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath, owner: PropertyNode | undefined): JsonValue | undefined {
  const branches = schema.anyOf ?? [];
  for (const branch of branches) {
    const trial: WalkContext = { ...context, result: emptyResult(), before: context.before + context.result.problems.length };
    const value = walkNode(trial, node, branch, path, owner);
    if (trial.result.problems.length === 0 && trial.result.omitted === 0 && trial.result.invalidPaths.size === 0) {
      trial.result.sourceProperties.forEach((v, k) => context.result.sourceProperties.set(k, v));
      return value;
    }
  }
  const fitting = branches.find((branch) => typeFits(node, branch) && !(node.type === 'scalar' && branch.type === 'null'));
  if (fitting) return walkNode(context, node, fitting, path, owner);
  return typeMismatch(context, node, schema, path);
}

function typeMismatch(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath): undefined {
  const expected = describeSchema(schema);
  let hint = '';
  let fix: ProblemFix | undefined;
  if (node.type === 'scalar') {
    const wants = (type: string) => (schema.anyOf ?? [schema]).some((s) => s.type === type);
    const value = node.value;
    if (typeof value === 'string' && (wants('number') || wants('integer')) && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
      const number = Number(value);
      hint = '; remove the quotes';
      fix = { title: `Write the number ${number}`, edits: [replaceValueEdit(context.parsed, node, number)] };
    } else if (typeof value === 'string' && wants('boolean') && /^(true|false|yes|no|on|off)$/i.test(value)) {
      const bool = /^(true|yes|on)$/i.test(value);
      hint = node.quoted ? '; remove the quotes' : '; YAML 1.2 reads this word as a string';
      fix = { title: `Write \`${bool}\``, edits: [replaceValueEdit(context.parsed, node, bool)] };
    } else if (value === null && wants('object')) {
      hint = node.length === 0 ? '; nothing follows the key: indent its keys under it, or remove the line' : '';
    } else if (value !== null && typeof value !== 'string' && wants('string')) {
      const source = context.parsed.text.slice(node.offset, node.offset + node.length);
      hint = '; put it in quotes';
      fix = { title: `Quote ${source}`, edits: [{ range: node.range, newText: JSON.stringify(source) }] };
    }
  }
  report(context, node.range, 'FTS101', 'error', `${label(path)} must be ${expected}, but is ${describeNodeType(node)}${hint}`, fix);
  return invalid(context, path);
}

function walkScalar(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath): JsonValue | undefined {
  if (!typeFits(node, schema)) return typeMismatch(context, node, schema, path);
  const scalar = node as ScalarNode;
  const value = scalar.value;
  if (schema.const !== undefined && value !== schema.const) {
    report(context, node.range, 'FTS103', 'error', `${label(path)} must be \`${String(schema.const)}\`, not ${JSON.stringify(value)}`);
    return invalid(context, path);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    if (isFull(context)) {
      omit(context);
      return invalid(context, path);
    }
    const allowed = schema.enum.map(String);
    const suggestion = typeof value === 'string' ? closestMatch(value, allowed) : undefined;
    const fix = suggestion !== undefined ? { title: `Change to \`${suggestion}\``, edits: [replaceValueEdit(context.parsed, node, suggestion)] } : undefined;
    report(
      context,
      node.range,
      'FTS103',
      'error',
      `${label(path)} must be one of ${allowed.map((v) => `\`${v}\``).join(', ')}; got ${JSON.stringify(value)}${suggestion !== undefined ? `. Did you mean \`${suggestion}\`?` : ''}`,
      fix,
    );
    return invalid(context, path);
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < schema.minLength) {
    report(context, node.range, 'FTS102', 'error', schema.minLength === 1 ? `${label(path)} must not be empty` : `${label(path)} must have at least ${schema.minLength} characters`);
    return invalid(context, path);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      report(context, node.range, 'FTS102', 'error', `${label(path)} must be a finite number${describeBounds(schema)}`);
      return invalid(context, path);
    }
    if (schema.type === 'integer' && !Number.isInteger(value)) {
      report(context, node.range, 'FTS101', 'error', `${label(path)} must be ${describeSchema(schema)}, but is ${value}, not a whole number`);
      return invalid(context, path);
    }
    if (!withinBounds(schema, value)) {
      report(context, node.range, 'FTS102', 'error', `${label(path)} must be${describeBounds(schema)}, but is ${value}`);
      return invalid(context, path);
    }
  }
  return value;
}

function walkArray(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath, _owner: PropertyNode | undefined): JsonValue | undefined {
  if (node.type !== 'array') return typeMismatch(context, node, schema, path);
  const values: JsonValue[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  node.items.forEach((item, index) => {
    const value = schema.items ? walkNode(context, item, schema.items, [...path, index], undefined) : toPlainValue(item);
    if (value === undefined) {
      ok = false;
      return;
    }
    if (schema.uniqueItems) {
      const key = JSON.stringify(value);
      const first = seen.get(key);
      if (first !== undefined) {
        report(context, item.range, 'FTS105', 'error', `${label(path)} lists ${key} twice (items ${first + 1} and ${index + 1}); remove one`);
        ok = false;
        return;
      }
      seen.set(key, index);
    }
    values.push(value);
  });
  return ok ? values : invalid(context, path);
}

function walkObject(context: WalkContext, node: ConfigNode, schema: SchemaShape, path: ConfigPath, owner: PropertyNode | undefined): JsonValue | undefined {
  if (node.type !== 'object') return typeMismatch(context, node, schema, path);
  const result: { [key: string]: JsonValue } = {};
  const set = (key: string, value: JsonValue) => Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
  for (const property of node.properties) {
    if (property.value === undefined) {
      invalid(context, [...path, property.key]);
      continue;
    }
    const known = schema.properties && Object.prototype.hasOwnProperty.call(schema.properties, property.key) ? schema.properties[property.key] : undefined;
    if (known) {
      const value = walkNode(context, property.value, known, [...path, property.key], property);
      context.result.sourceProperties.set(pathKey([...path, property.key]), property);
      if (value !== undefined) set(property.key, value);
      continue;
    }
    const pattern = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
    if (pattern) {
      const value = walkNode(context, property.value, pattern, [...path, property.key], property);
      if (value !== undefined) set(property.key, value);
      continue;
    }
    if (schema.additionalProperties !== false) {
      set(property.key, toPlainValue(property.value) ?? null);
      continue;
    }
    if (isFull(context)) {
      // Over the cap, an extra key is only counted: naming it would cost a suggestion and a fix.
      omit(context);
      invalid(context, [...path, property.key]);
      continue;
    }
    const renamed = extraKey(context, node, property, schema, path);
    if (renamed) {
      const value = walkNode(context, renamed.node, renamed.schema, [...path, renamed.key], property);
      context.result.sourceProperties.set(pathKey([...path, renamed.key]), property);
      if (value !== undefined) set(renamed.key, value);
    }
  }
  for (const key of effectivelyRequired(schema)) {
    if (Object.prototype.hasOwnProperty.call(result, key) || context.result.invalidPaths.has(pathKey([...path, key]))) continue;
    if (node.properties.some((p) => p.key === key)) continue;
    const where = owner ? owner.keyRange : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const doc = schema.properties?.[key]?.markdownDescription;
    report(context, where, 'FTS104', 'error', `${path.length ? label(path) : 'the config'} is missing the required key \`${key}\`${doc ? ` (${firstSentence(doc)})` : ''}`);
    invalid(context, [...path, key]);
  }
  return result;
}

function firstSentence(markdown: string): string {
  const sentence = /^[^.]*\.?/.exec(markdown)?.[0] ?? markdown;
  return sentence.replace(/\.$/, '');
}

interface RenamedTarget {
  key: string;
  schema: SchemaShape;
  node: ConfigNode;
}

/**
 * A key the schema does not have: a renamed or unsupported HF argument, a key of another
 * section, a typo, or simply unknown. Returns where to put the value when it is accepted under a new name.
 */
function extraKey(context: WalkContext, parent: ObjectNode, property: PropertyNode, schema: SchemaShape, path: ConfigPath): RenamedTarget | undefined {
  const key = property.key;
  const here = path.length ? label(path) : 'the top level';
  const inTrainingArgs = pathKey(path) === 'training_args';
  const remove = (title: string): ProblemFix => ({ title, edits: removePropertyEdits(context.parsed, parent, property) });
  invalid(context, [...path, key]);

  const renamed = findRenamedHfKey(key);
  if (renamed && inTrainingArgs) {
    const targetSchema = schema.properties?.[renamed.to];
    const both = parent.properties.find((p) => p.key === renamed.to);
    if (both) {
      report(context, property.keyRange, 'FTS111', 'error', `\`${key}\` was renamed to \`${renamed.to}\` (${renamed.since}), which is also set here; remove \`${key}\``, remove(`Remove \`${key}\``));
      return undefined;
    }
    const oldValue = property.value ? toPlainValue(property.value) : undefined;
    const mapped = renamed.values && oldValue !== undefined ? renamed.values[String(oldValue)] : undefined;
    const edits = [renameKeyEdit(context.parsed, property, renamed.to)];
    if (mapped !== undefined && property.value) edits.push(replaceValueEdit(context.parsed, property.value, mapped));
    report(
      context,
      property.keyRange,
      'FTS110',
      'warning',
      `\`${key}\` is the old Hugging Face name of \`${renamed.to}\` (${renamed.since}); rename it${mapped !== undefined ? ` and write \`${String(mapped)}\`` : ''}`,
      { title: `Rename to \`${renamed.to}\``, edits },
    );
    if (!targetSchema || !property.value) return undefined;
    context.result.invalidPaths.delete(pathKey([...path, key]));
    // An old value that maps to a new one is checked as the new value, at the old value's range.
    const node: ConfigNode = mapped !== undefined && property.value.type === 'scalar' ? { ...property.value, value: mapped, quoted: false } : property.value;
    return { key: renamed.to, schema: targetSchema, node };
  }

  const unsupported = findUnsupportedHfKey(key);
  if (unsupported && (inTrainingArgs || path.length === 0)) {
    const value = property.value ? toPlainValue(property.value) : undefined;
    if (isOffValue(unsupported, value)) {
      report(context, property.keyRange, 'FTS121', 'information', `\`${key}\` is not supported by this trainer (${unsupported.reason}); set to ${JSON.stringify(value)} it has no effect and can be removed`, remove(`Remove \`${key}\``));
    } else {
      report(context, property.keyRange, 'FTS120', 'error', `\`${key}\` is not supported by this trainer: ${unsupported.reason}`, remove(`Remove \`${key}\``));
    }
    return undefined;
  }

  const home = context.sections.find((section) => pathKey(section.path) !== pathKey(path) && section.schema.properties && Object.prototype.hasOwnProperty.call(section.schema.properties, key));
  const renamedElsewhere = renamed && !inTrainingArgs ? renamed : undefined;
  if (home || renamedElsewhere) {
    const targetPath = home ? home.path : ['training_args'];
    const targetKey = home ? key : (renamedElsewhere as { to: string }).to;
    const target = home ? label(targetPath) : '`training_args`';
    report(
      context,
      property.keyRange,
      'FTS106',
      'error',
      `\`${key}\` belongs under ${targetPath.length ? target : 'the top level'}${targetKey !== key ? ` (as \`${targetKey}\`)` : ''}, not under ${here}`,
      moveFix(context, parent, property, targetPath, targetKey),
    );
    return undefined;
  }

  const candidates = Object.keys(schema.properties ?? {});
  const suggestion = closestMatch(key, candidates);
  if (suggestion && !parent.properties.some((p) => p.key === suggestion)) {
    report(context, property.keyRange, 'FTS100', 'error', `unknown key \`${key}\` in ${here}; did you mean \`${suggestion}\`?`, {
      title: `Rename to \`${suggestion}\``,
      edits: [renameKeyEdit(context.parsed, property, suggestion)],
    });
    return undefined;
  }
  report(context, property.keyRange, 'FTS100', 'error', `unknown key \`${key}\` in ${here}${candidates.length ? `; known keys: ${candidates.join(', ')}` : ''}`, remove(`Remove \`${key}\``));
  return undefined;
}

/** Moves a one-line scalar property into the section where it belongs, when that section is written out. */
function moveFix(context: WalkContext, parent: ObjectNode, property: PropertyNode, targetPath: ConfigPath, targetKey: string): ProblemFix | undefined {
  const value = property.value;
  if (value?.type !== 'scalar' || property.range.start.line !== property.range.end.line) return undefined;
  let target: ConfigNode | undefined = context.parsed.root;
  for (const segment of targetPath) target = target?.type === 'object' ? target.properties.find((p) => p.key === segment)?.value : undefined;
  if (target?.type !== 'object' || target.properties.length === 0 || target.properties.some((p) => p.key === targetKey)) return undefined;
  const anchor = target.properties[target.properties.length - 1];
  return {
    title: `Move to ${label([...targetPath, targetKey])}`,
    edits: [...removePropertyEdits(context.parsed, parent, property), insertPropertyAfterEdit(context.parsed, target, anchor, targetKey, value.value)],
  };
}
