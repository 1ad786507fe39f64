/** YAML text to the config tree, using `yaml`'s document API, which keeps every node's range. */
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, visit, type Alias, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { rangeOf, type LineIndex } from './position';
import type { ConfigNode, ObjectNode, PropertyNode, ScalarValue } from './tree';
import type { RawSyntaxError } from './parse-errors';

/** Beyond this depth the tree is cut off and a problem reported: real configs are 3 levels deep. */
export const MAX_DEPTH = 64;

/**
 * Aliases may add at most this many nodes to the tree, in all. Without a cap, a few hundred bytes
 * of nested aliases (`l1: &a1 [*a0, *a0, ...]`, ten levels) expand to billions of nodes; the
 * `yaml` package guards its own toJS the same way (maxAliasCount). Real configs alias a few small
 * sections.
 */
export const MAX_ALIAS_NODES = 10_000;

/** Expanded size of a converted node: its node count and how many levels it nests. */
interface Extent {
  nodes: number;
  height: number;
}

interface YamlContext {
  doc: Document;
  lines: LineIndex;
  text: string;
  errors: RawSyntaxError[];
  /** Each alias's anchored node, found in one pass over the document on the first alias. */
  aliasTargets?: Map<Alias, YamlNode | undefined>;
  /** Anchored nodes already converted: every alias of one anchor shares its converted tree. */
  anchored: Map<YamlNode, ConfigNode | undefined>;
  /** Anchored collections being converted: an alias to one of them is a cycle. */
  converting: Set<YamlNode>;
  extents: WeakMap<ConfigNode, Extent>;
  /** Nodes aliases have added so far (see MAX_ALIAS_NODES). */
  aliasNodes: number;
  aliasLimitReported: boolean;
}

export function parseYamlTree(text: string, lines: LineIndex): { root: ConfigNode | undefined; errors: RawSyntaxError[] } {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false, prettyErrors: false, strict: true });
  const errors: RawSyntaxError[] = [];
  for (const error of doc.errors) {
    errors.push({ offset: error.pos[0], length: error.pos[1] - error.pos[0], message: yamlMessage(error.code, error.message) });
  }
  const context: YamlContext = { doc, lines, text, errors, anchored: new Map(), converting: new Set(), extents: new WeakMap(), aliasNodes: 0, aliasLimitReported: false };
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
  if (isAlias(node)) return convertAlias(node, context, depth);
  const anchored = isNodeWithRange(node) && typeof node.anchor === 'string' && node.anchor !== '';
  if (!anchored) return measured(convertNode(node, context, depth), context);
  if (context.anchored.has(node)) return context.anchored.get(node);
  context.converting.add(node);
  const converted = measured(convertNode(node, context, depth), context);
  context.converting.delete(node);
  context.anchored.set(node, converted);
  return converted;
}

function convertNode(node: unknown, context: YamlContext, depth: number): ConfigNode | undefined {
  if (isScalar(node)) return convertScalar(node, context);
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

/**
 * An alias shares the converted tree of its anchor (so converting is linear in the text), and
 * adds that tree's size to the document's alias budget: consumers walk the expanded tree.
 */
function convertAlias(node: Alias, context: YamlContext, depth: number): ConfigNode | undefined {
  const span = nodeSpan(node);
  const target = aliasTarget(node, context);
  if (!target) {
    context.errors.push({ ...span, message: `unknown alias \`*${node.source}\`: no anchor \`&${node.source}\` comes before it` });
    return undefined;
  }
  if (context.converting.has(target)) {
    context.errors.push({ ...span, message: `alias \`*${node.source}\` lies inside the value it refers to, which would repeat forever; refer to another anchor`, code: 'FTS006' });
    return undefined;
  }
  const converted = convert(target, context, depth + 1);
  if (!converted) return undefined;
  const extent = context.extents.get(converted) ?? { nodes: 1, height: 0 };
  if (depth + extent.height > MAX_DEPTH) {
    context.errors.push({ ...span, message: `this alias nests its value deeper than ${MAX_DEPTH} levels, which is not supported`, code: 'FTS004' });
    return undefined;
  }
  if (context.aliasNodes + extent.nodes > MAX_ALIAS_NODES) {
    if (!context.aliasLimitReported) {
      context.aliasLimitReported = true;
      context.errors.push({
        ...span,
        message: `aliases expand to more than ${MAX_ALIAS_NODES.toLocaleString('en-US')} values from here on (nested aliases multiply); this and later large aliases are ignored: write the values out or use fewer aliases`,
        code: 'FTS006',
      });
    }
    return undefined;
  }
  context.aliasNodes += extent.nodes;
  // Problems in an alias point at the alias, where the value is used.
  const aliased: ConfigNode = { ...converted, ...span, range: rangeOf(context.lines, span.offset, span.length) };
  context.extents.set(aliased, extent);
  return aliased;
}

/** The last node anchored `&name` before the alias, as `yaml` resolves it; one pass over the document, on the first alias. */
function aliasTarget(alias: Alias, context: YamlContext): YamlNode | undefined {
  if (!context.aliasTargets) {
    const targets = new Map<Alias, YamlNode | undefined>();
    const latest = new Map<string, YamlNode>();
    visit(context.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) targets.set(node, latest.get(node.source));
        else if (typeof node.anchor === 'string' && node.anchor !== '') latest.set(node.anchor, node);
      },
    });
    context.aliasTargets = targets;
  }
  return context.aliasTargets.get(alias);
}

/** Records the expanded size of a converted node, from its children's (computed when they were converted). */
function measured(node: ConfigNode | undefined, context: YamlContext): ConfigNode | undefined {
  if (!node) return undefined;
  let nodes = 1;
  let height = 0;
  const add = (child: ConfigNode | undefined) => {
    if (!child) return;
    const extent = context.extents.get(child) ?? { nodes: 1, height: 0 };
    nodes += extent.nodes;
    height = Math.max(height, extent.height + 1);
  };
  if (node.type === 'object') for (const property of node.properties) add(property.value);
  else if (node.type === 'array') for (const item of node.items) add(item);
  context.extents.set(node, { nodes, height });
  return node;
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
