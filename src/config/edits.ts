/**
 * Text edits for quick fixes, computed from the tree and the source text so they keep the
 * file's format (YAML block or flow, JSON) valid: rename a key, replace a value, remove a
 * property (whole lines when it has its own lines), insert a property after another.
 */
import type { ParsedConfig } from './parsed';
import { rangeOf } from './position';
import type { TextEdit } from './problems';
import type { ConfigNode, ObjectNode, PropertyNode, ScalarValue } from './tree';

type EditSource = Pick<ParsedConfig, 'text' | 'format' | 'lines'>;

function edit(source: EditSource, start: number, end: number, newText: string): TextEdit {
  return { range: rangeOf(source.lines, start, end - start), newText };
}

/** Whether the object is written inline (`{...}`): always in JSON, in YAML only for flow maps. */
function isFlow(source: EditSource, node: ObjectNode): boolean {
  return source.format === 'json' || source.text.charAt(node.offset) === '{';
}

/** A key as it must be written in this format. */
export function formatKey(source: Pick<ParsedConfig, 'format'>, key: string): string {
  return source.format === 'json' ? JSON.stringify(key) : key;
}

const YAML_PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const YAML_RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** A scalar as it must be written in this format (YAML strings stay plain when that is unambiguous). */
export function formatScalar(source: Pick<ParsedConfig, 'format'>, value: ScalarValue): string {
  if (typeof value !== 'string') return value === null ? 'null' : String(value);
  if (source.format === 'yaml' && YAML_PLAIN_SAFE.test(value) && !YAML_RESERVED.test(value)) return value;
  return JSON.stringify(value);
}

export function renameKeyEdit(source: EditSource, property: PropertyNode, newKey: string): TextEdit {
  return edit(source, property.keyOffset, property.keyOffset + property.keyLength, formatKey(source, newKey));
}

export function replaceValueEdit(source: EditSource, node: ConfigNode, newValue: ScalarValue): TextEdit {
  return edit(source, node.offset, node.offset + node.length, formatScalar(source, newValue));
}

function isBlank(text: string): boolean {
  return /^\s*$/.test(text);
}

/** Text after `offset` on its line, without a trailing comment. */
function restOfLine(source: EditSource, offset: number): string {
  const line = source.lines.positionAt(offset).line;
  const rest = source.text.slice(offset, source.lines.lineEnd(line));
  return rest.replace(source.format === 'json' ? /\/\/.*$|\/\*.*?\*\/\s*$/ : /(^|\s)#.*$/, '');
}

function textBefore(source: EditSource, offset: number): string {
  const line = source.lines.positionAt(offset).line;
  return source.text.slice(source.lines.lineStart(line), offset);
}

/** Offset of the next character after `offset` that is not whitespace (comments are not skipped). */
function skipSpaces(text: string, offset: number, sameLine: boolean): number {
  let i = offset;
  while (i < text.length && (sameLine ? text[i] === ' ' || text[i] === '\t' : /\s/.test(text[i]))) i++;
  return i;
}

/**
 * Removes `property` from `parent`, leaving valid text: whole lines when the property owns its
 * lines; in JSON and flow maps the comma that separated it goes too (two edits when that comma
 * is on an earlier line, so comments after it survive).
 */
export function removePropertyEdits(source: EditSource, parent: ObjectNode, property: PropertyNode, index = parent.properties.indexOf(property)): TextEdit[] {
  const { text, lines } = source;
  const start = property.offset;
  let end = property.offset + property.length;
  const flow = isFlow(source, parent);
  const previous = index > 0 ? parent.properties[index - 1] : undefined;
  const next = index >= 0 && index + 1 < parent.properties.length ? parent.properties[index + 1] : undefined;

  // A comma that belongs to this entry (flow and JSON only).
  let commaAfter = -1;
  if (flow) {
    const after = skipSpaces(text, end, false);
    if (text[after] === ',') commaAfter = after;
  }
  // A YAML block value ends after its line break; keep the edit on the property's own lines.
  while (end > start && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;

  const firstLine = lines.positionAt(start).line;
  const lastLine = lines.positionAt(commaAfter >= 0 ? commaAfter : end).line;
  const ownsLines = isBlank(textBefore(source, start)) && isBlank(restOfLine(source, commaAfter >= 0 ? commaAfter + 1 : end));
  if (ownsLines && (!flow || lines.positionAt(parent.offset).line < firstLine)) {
    const lineRemovalStart = lines.lineStart(firstLine);
    const lineRemovalEnd = lastLine + 1 < lines.lineCount ? lines.lineStart(lastLine + 1) : text.length;
    if (flow && commaAfter < 0 && previous && !next) {
      // The last entry: the comma before it must go too.
      const previousEnd = previous.offset + previous.length;
      const comma = text.indexOf(',', previousEnd);
      if (comma >= 0 && comma < start) {
        return [edit(source, comma, comma + 1, ''), edit(source, lineRemovalStart, lineRemovalEnd, '')];
      }
    }
    return [edit(source, lineRemovalStart, lineRemovalEnd, '')];
  }
  if (!flow) return [edit(source, start, lines.lineEnd(lines.positionAt(end).line), '')];
  if (commaAfter >= 0) return [edit(source, start, skipSpaces(text, commaAfter + 1, true), '')];
  if (previous) return [edit(source, previous.offset + previous.length, end, '')];
  return [edit(source, start, end, '')];
}

/** Inserts `key: value` as a sibling right after `anchor`, at the anchor's indentation. */
export function insertPropertyAfterEdit(source: EditSource, parent: ObjectNode, anchor: PropertyNode, key: string, value: ScalarValue): TextEdit {
  const { text, lines } = source;
  const anchorLine = lines.positionAt(anchor.offset).line;
  const indent = textBefore(source, anchor.offset);
  const entry = `${formatKey(source, key)}: ${formatScalar(source, value)}`;
  let end = anchor.offset + anchor.length;
  while (end > anchor.offset && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  if (isFlow(source, parent)) {
    const multiline = isBlank(indent) && lines.positionAt(parent.offset).line < anchorLine;
    return edit(source, end, end, multiline ? `,\n${indent}${entry}` : `, ${entry}`);
  }
  const lastLine = lines.positionAt(end).line;
  const insertAt = lastLine + 1 < lines.lineCount ? lines.lineStart(lastLine + 1) : text.length;
  const indentation = isBlank(indent) ? indent : ' '.repeat(indent.length);
  const needsBreak = insertAt === text.length && !/\n$/.test(text);
  return edit(source, insertAt, insertAt, `${needsBreak ? '\n' : ''}${indentation}${entry}\n`);
}

/** Applies non-overlapping edits to a text (for tests, the CLI's --fix and previews). */
export function applyEdits(text: string, edits: readonly TextEdit[], offsetAt: (p: TextEdit['range']['start']) => number): string {
  const sorted = edits
    .map((e) => ({ start: offsetAt(e.range.start), end: offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const e of sorted) result = result.slice(0, e.start) + e.newText + result.slice(e.end);
  return result;
}
