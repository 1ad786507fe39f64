/** YAML text to the config tree, using `yaml`'s document API, which keeps every node's range. */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { rangeOf, type LineIndex } from './position';
import type { ConfigNode, ObjectNode, PropertyNode, ScalarValue } from './tree';
import type { RawSyntaxError } from './parse-errors';

/** Beyond this depth the tree is cut off and a problem reported: real configs are 3 levels deep. */
export const MAX_DEPTH = 64;

interface YamlContext {
  doc: Document;
  lines: LineIndex;
  text: string;
  errors: RawSyntaxError[];
}

export function parseYamlTree(text: string, lines: LineIndex): { root: ConfigNode | undefined; errors: RawSyntaxError[] } {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false, prettyErrors: false, strict: true });
  const errors: RawSyntaxError[] = [];
  for (const error of doc.errors) {
    errors.push({ offset: error.pos[0], length: error.pos[1] - error.pos[0], message: yamlMessage(error.code, error.message) });
  }
  const context: YamlContext = { doc, lines, text, errors };
  const root = convert(doc.contents, context, 0);
  return { root, errors };
}

function yamlMessage(code: string, message: string): string {
  if (code === 'MISSING_CHAR' && /Implicit map keys/.test(message)) return 'a key needs a `:` after it (write `key: value`)';
  if (code === 'BAD_INDENT') return `${lowerFirst(message)}; check the indentation`;
  if (code === 'TAB_AS_INDENT') return 'tabs are not allowed as indentation in YAML; indent with spaces';
  if (code === 'MULTIPLE_DOCS') return 'a config holds one YAML document; remove the `---` and what follows';
  return lowerFirst(message.replace(/\s+at line \d+, column \d+.*$/s, ''));
}

function lowerFirst(message: string): string {
  return message.length > 0 ? message[0].toLowerCase() + message.slice(1) : message;
}

function nodeSpan(node: YamlNode): { offset: number; length: number } {
  const range = node.range ?? [0, 0, 0];
  return { offset: range[0], length: Math.max(0, range[1] - range[0]) };
}

function convert(node: unknown, context: YamlContext, depth: number): ConfigNode | undefined {
  if (node === null || node === undefined) return undefined;
  if (depth > MAX_DEPTH) {
    const span = isNodeWithRange(node) ? nodeSpan(node) : { offset: 0, length: 0 };
    context.errors.push({ ...span, message: `nesting deeper than ${MAX_DEPTH} levels is not supported`, code: 'FTS004' });
    return undefined;
  }
  if (isScalar(node)) return convertScalar(node, context);
  if (isAlias(node)) {
    const target = node.resolve(context.doc);
    const converted = convert(target, context, depth + 1);
    if (!converted) return undefined;
    // Problems in an alias point at the alias, where the value is used.
    const span = nodeSpan(node);
    return { ...converted, ...span, range: rangeOf(context.lines, span.offset, span.length) };
  }
  if (isMap(node)) {
    const span = nodeSpan(node);
    const properties: PropertyNode[] = [];
    for (const pair of node.items) {
      const property = convertPair(pair, context, depth + 1);
      if (property) properties.push(property);
    }
    return { type: 'object', properties, ...span, range: rangeOf(context.lines, span.offset, span.length) };
  }
  if (isSeq(node)) {
    const span = nodeSpan(node);
    const items: ConfigNode[] = [];
    for (const item of node.items) {
      const converted = isPair(item) ? pairAsObject(item, context, depth + 1) : convert(item, context, depth + 1);
      if (converted) items.push(converted);
    }
    return { type: 'array', items, ...span, range: rangeOf(context.lines, span.offset, span.length) };
  }
  return undefined;
}

function isNodeWithRange(node: unknown): node is YamlNode {
  return typeof node === 'object' && node !== null && 'range' in node;
}

function convertScalar(node: Scalar, context: YamlContext): ConfigNode {
  const span = nodeSpan(node);
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  return { type: 'scalar', value: scalarValue(node.value), quoted, ...span, range: rangeOf(context.lines, span.offset, span.length) };
}

function scalarValue(value: unknown): ScalarValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

function keyText(key: unknown, context: YamlContext): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  if (isNodeWithRange(key)) {
    const { offset, length } = nodeSpan(key);
    return context.text.slice(offset, offset + length);
  }
  return String(key);
}

function convertPair(pair: Pair<unknown, unknown>, context: YamlContext, depth: number): PropertyNode | undefined {
  const value = convert(pair.value, context, depth);
  const keySpan = isNodeWithRange(pair.key) ? nodeSpan(pair.key) : value ? { offset: value.offset, length: 0 } : undefined;
  if (!keySpan) return undefined;
  const end = value ? Math.max(value.offset + value.length, keySpan.offset + keySpan.length) : keySpan.offset + keySpan.length;
  return {
    key: keyText(pair.key, context),
    keyOffset: keySpan.offset,
    keyLength: keySpan.length,
    keyRange: rangeOf(context.lines, keySpan.offset, keySpan.length),
    value,
    offset: keySpan.offset,
    length: end - keySpan.offset,
    range: rangeOf(context.lines, keySpan.offset, end - keySpan.offset),
  };
}

function pairAsObject(pair: Pair<unknown, unknown>, context: YamlContext, depth: number): ObjectNode | undefined {
  const property = convertPair(pair, context, depth);
  if (!property) return undefined;
  return { type: 'object', properties: [property], offset: property.offset, length: property.length, range: property.range };
}
