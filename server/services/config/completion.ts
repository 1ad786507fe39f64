/**
 * Completion in trainer configs: keys valid at the cursor (with docs and defaults, minus the
 * ones present), section snippets, enum values with their docs, booleans, file paths, data
 * columns, loss names with aliases, and the metrics `metric_for_best_model` can pick.
 */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type Position,
  type Range,
} from 'vscode-languageserver';
import {
  LOSSES,
  LOSS_ALIASES,
  METRICS,
  findNode,
  formatScalar,
  getPathAtOffset,
  type JsonValue,
  type ParsedConfig,
  type PathAtOffset,
  type ScalarValue,
} from '../../../src/config/index';
import type { SchemaShape } from '../../../src/config/schema-shape';
import type { ServiceContext } from '../../context';
import { readColumns } from './data-columns';
import { fieldFacts, fieldMarkdown, formatValue } from './field-docs';
import { PATH_FIELDS, pathCompletions } from './paths';
import { hubModelCompletions } from './hub-models';
import { metricNamesOf, plainString, resolveFromConfig } from './plain';
import { declaredKeys, schemaAt, valueChoices } from './schema-nav';
import { sectionSnippets } from './snippets';

const COLUMN_FIELDS = new Set(['data.text_column', 'data.label_column', 'data.feature_columns[]']);

/** `training_args.eval_strategy`, `data.feature_columns[]`: a path as the lookup tables spell it. */
export function fieldId(path: readonly (string | number)[]): string {
  return path.map((s) => (typeof s === 'number' ? '[]' : s)).join('.').replaceAll('.[]', '[]');
}

function markdown(value: string) {
  return { kind: MarkupKind.Markdown, value };
}

export function configCompletions(text: string, fileName: string, position: Position, context: ServiceContext): CompletionList {
  const parsed = context.parseConfig(text, fileName);
  const offset = parsed.offsetAt(position);
  const location = getPathAtOffset(parsed, offset, (error) => context.reportError(`cursor analysis for completion in ${fileName}`, error));
  const items = location.inKey ? keyItems(parsed, location, offset) : valueItems(parsed, location, offset, context);
  return { isIncomplete: false, items };
}

// ---- keys -------------------------------------------------------------------------------------

function lineIndent(parsed: ParsedConfig, offset: number): string {
  const line = parsed.lines.positionAt(offset).line;
  const start = parsed.lines.lineStart(line);
  let end = start;
  while (end < parsed.text.length && (parsed.text[end] === ' ' || parsed.text[end] === '\t')) end++;
  return parsed.text.slice(start, end);
}

/** Snippet placeholder text for a field's value. */
function valueSnippet(parsed: ParsedConfig, schema: SchemaShape, indent: string): string {
  const json = parsed.format === 'json';
  const choices = valueChoices(schema).filter((c) => c.value !== null);
  if (schema.type === 'object') return json ? '{$0}' : `\n${indent}  $0`;
  if (schema.type === 'array') return json ? '[$0]' : '[$0]';
  if (choices.length > 0 && !schema.anyOf?.some((s) => s.type === 'integer' || s.type === 'number')) {
    const ordered = schema.default !== undefined ? [schema.default, ...choices.map((c) => c.value).filter((v) => v !== schema.default)] : choices.map((c) => c.value);
    const rendered = ordered.map((v) => (json ? JSON.stringify(v) : formatScalar(parsed, v as ScalarValue)).replace(/[,|\\$}]/g, '\\$&'));
    return `\${1|${rendered.join(',')}|}`;
  }
  const fallback = schema.default ?? schema.examples?.[0];
  if (fallback === undefined || fallback === null || typeof fallback === 'object') return json && schema.type === 'string' ? '"$1"' : '$1';
  const shown = json ? JSON.stringify(fallback) : formatScalar(parsed, fallback);
  return `\${1:${shown.replace(/[\\$}]/g, '\\$&')}}`;
}

function keyItems(parsed: ParsedConfig, location: PathAtOffset, offset: number): CompletionItem[] {
  const parentPath = location.path.slice(0, -1);
  const parentSchema = schemaAt(parentPath);
  const keys = declaredKeys(parentSchema);
  if (keys.length === 0) return [];
  const parent = findNode(parsed, parentPath);
  const present = new Set(parent?.type === 'object' ? parent.properties.map((p) => p.key) : []);
  if (location.property) present.delete(location.property.key);
  const range: Range = location.wordRange ?? { start: parsed.positionAt(offset), end: parsed.positionAt(offset) };
  const indent = lineIndent(parsed, offset);
  const json = parsed.format === 'json';
  // In JSON, a key already followed by `:` keeps its value; only the key is replaced.
  const keyOnly = json && location.property !== undefined && location.property.value !== undefined;

  const items: CompletionItem[] = [];
  keys.forEach(([key, schema], index) => {
    if (present.has(key)) return;
    const keyText = json ? JSON.stringify(key) : key;
    const newText = keyOnly ? keyText : `${keyText}:${schema.type === 'object' && !json ? '' : ' '}${valueSnippet(parsed, schema, indent)}`;
    items.push({
      label: key,
      kind: schema.type === 'object' ? CompletionItemKind.Module : CompletionItemKind.Property,
      detail: fieldFacts(schema).replaceAll('`', ''),
      documentation: markdown(fieldMarkdown(key, schema)),
      textEdit: { range, newText },
      filterText: keyText,
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: String(index).padStart(3, '0'),
    });
  });
  if (parentPath.length === 0) {
    for (const snippet of sectionSnippets(parsed.format, indent)) {
      if (present.has(snippet.key)) continue;
      items.push({
        label: snippet.key,
        labelDetails: { description: 'section snippet' },
        kind: CompletionItemKind.Snippet,
        detail: snippet.detail,
        documentation: markdown(`Inserts a \`${snippet.key}\` section with its common keys.`),
        textEdit: { range, newText: snippet.body },
        filterText: json ? JSON.stringify(snippet.key) : snippet.key,
        insertTextFormat: InsertTextFormat.Snippet,
        sortText: `000${snippet.key}`,
      });
    }
  }
  return items;
}

// ---- values -----------------------------------------------------------------------------------

interface ValueSlot {
  /** What a value item replaces. */
  range: Range;
  /** Text prefix for an insertion right after a colon. */
  lead: string;
  /** Start and end offsets of the value's text without quotes (for path prefixes). */
  innerStart: number;
  innerEnd: number;
}

function valueSlot(parsed: ParsedConfig, location: PathAtOffset, offset: number): ValueSlot {
  const node = location.node;
  if (node?.type === 'scalar' && node.length > 0) {
    const quote = parsed.text[node.offset] === '"' || parsed.text[node.offset] === "'" ? parsed.text[node.offset] : undefined;
    const innerStart = node.offset + (quote ? 1 : 0);
    const last = node.offset + node.length - 1;
    const innerEnd = quote && node.length > 1 && parsed.text[last] === quote ? last : node.offset + node.length;
    return { range: node.range, lead: '', innerStart, innerEnd: Math.max(innerStart, innerEnd) };
  }
  const at = parsed.positionAt(offset);
  const lead = parsed.format === 'yaml' && parsed.text[offset - 1] === ':' ? ' ' : '';
  return { range: { start: at, end: at }, lead, innerStart: offset, innerEnd: offset };
}

function valueItem(parsed: ParsedConfig, slot: ValueSlot, value: ScalarValue, kind: CompletionItemKind, doc: string | undefined, sort: string, detail?: string): CompletionItem {
  const newText = slot.lead + (parsed.format === 'json' ? JSON.stringify(value) : formatScalar(parsed, value));
  return {
    label: formatValue(value),
    kind,
    ...(detail ? { detail } : {}),
    ...(doc ? { documentation: markdown(doc) } : {}),
    textEdit: { range: slot.range, newText },
    filterText: newText.trim(),
    sortText: sort,
  };
}

/** The cursor inside a list's brackets (`metrics: [|]`): complete a new item of that list. */
function asListItem(location: PathAtOffset): PathAtOffset | undefined {
  const node = location.node;
  if (node?.type !== 'array') return undefined;
  return { path: [...location.path, node.items.length], inKey: false };
}

function valueItems(parsed: ParsedConfig, at: PathAtOffset, offset: number, context: ServiceContext): CompletionItem[] {
  const location = asListItem(at) ?? at;
  if (location.path.length === 0) return [];
  const node = location.node;
  if (node !== undefined && node.type !== 'scalar') return [];
  const field = fieldId(location.path);
  const slot = valueSlot(parsed, location, offset);
  const schema = schemaAt(location.path);

  const pathKind = PATH_FIELDS[field];
  if (pathKind) {
    const typed = parsed.text.slice(slot.innerStart, Math.max(slot.innerStart, Math.min(offset, slot.innerEnd)));
    const slash = Math.max(typed.lastIndexOf('/'), typed.lastIndexOf('\\'));
    const segmentStart = slot.innerStart + slash + 1;
    const range = { start: parsed.positionAt(segmentStart), end: parsed.positionAt(slot.innerEnd) };
    const items = pathCompletions(context.files, parsed.fileName, typed, pathKind, range);
    if (field === 'model.from_pretrained' && !/^[.~/\\]/.test(typed)) {
      items.push(...hubModelCompletions(context.hub.models(), { start: parsed.positionAt(slot.innerStart), end: parsed.positionAt(slot.innerEnd) }));
    }
    if (slot.lead) for (const item of items) if (item.textEdit) item.textEdit.newText = slot.lead + item.textEdit.newText;
    return items;
  }

  const taken = siblingValues(parsed, location);
  return valueItemsFor(parsed, slot, schema, field, context).filter((item) => !taken.has(item.label));
}

/** Values already in the list the cursor is in (a list item is not offered twice). */
function siblingValues(parsed: ParsedConfig, location: PathAtOffset): Set<string> {
  const index = location.path[location.path.length - 1];
  if (typeof index !== 'number') return new Set();
  const list = findNode(parsed, location.path.slice(0, -1));
  if (list?.type !== 'array') return new Set();
  return new Set(list.items.flatMap((item, i) => (i !== index && item.type === 'scalar' && item.value !== null ? [formatValue(item.value)] : [])));
}

function valueItemsFor(parsed: ParsedConfig, slot: ValueSlot, schema: SchemaShape | undefined, field: string, context: ServiceContext): CompletionItem[] {
  if (COLUMN_FIELDS.has(field)) {
    const trainFile = plainString(parsed, ['data', 'train_file']);
    if (!trainFile) return [];
    const dataPath = resolveFromConfig(parsed.fileName, trainFile);
    return readColumns(context.files, dataPath).map((column, i) =>
      valueItem(parsed, slot, column, CompletionItemKind.Field, `Column of \`${trainFile}\`.`, String(i).padStart(4, '0'), 'data column'),
    );
  }

  if (field === 'loss_name') {
    return Object.entries(LOSS_ALIASES).map(([alias, canonical]) =>
      valueItem(parsed, slot, alias, CompletionItemKind.EnumMember, LOSSES[canonical], alias === canonical ? `0${alias}` : `1${alias}`, alias === canonical ? 'loss' : `alias of ${canonical}`),
    );
  }

  if (field === 'training_args.metric_for_best_model') {
    const names = ['loss', ...metricNamesOf(parsed)];
    return [...new Set(names)].map((name, i) =>
      valueItem(
        parsed,
        slot,
        name,
        CompletionItemKind.EnumMember,
        name === 'loss' ? 'The evaluation loss (`eval_loss`); lower is better.' : METRICS[name as keyof typeof METRICS],
        String(i).padStart(3, '0'),
        'computed at evaluation',
      ),
    );
  }

  if (!schema) return [];
  const items = valueChoices(schema).map((choice, i) =>
    valueItem(parsed, slot, choice.value as ScalarValue, choice.value === null || typeof choice.value === 'boolean' ? CompletionItemKind.Value : CompletionItemKind.EnumMember, choice.doc, String(i).padStart(3, '0')),
  );
  const fallback: JsonValue | undefined = schema.default;
  if (fallback !== undefined && fallback !== null && typeof fallback !== 'object' && !items.some((i) => i.label === formatValue(fallback))) {
    items.push(valueItem(parsed, slot, fallback, CompletionItemKind.Value, 'The default value.', '999', 'default'));
  }
  return items;
}
