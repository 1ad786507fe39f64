/**
 * What the cursor is on: the key or value path, and whether it is in key position. Works on
 * incomplete text (a YAML line holding only `  learn` under `training_args:` is a key being
 * typed), because the language server completes on exactly such text.
 */
import { getLocation } from 'jsonc-parser';
import type { ParsedConfig } from './parsed';
import { offsetWithin, rangeOf, type Range } from './position';
import { findNodeInTree, findPropertyInTree, type ConfigNode, type ConfigPath, type PropertyNode } from './tree';

export interface PathAtOffset {
  /**
   * Path of what is under the cursor. On a key (or where a key is being typed) the last segment
   * is that key, possibly partial or `''` on a blank line, so the parent object is `path.slice(0, -1)`.
   * On a value it is the value's path.
   */
  path: ConfigPath;
  /** The value node under the cursor; for a key, that key's value. */
  node?: ConfigNode;
  /** The property whose key or value holds the cursor, when it exists in the tree. */
  property?: PropertyNode;
  inKey: boolean;
  /** The word under the cursor (key or scalar) a completion replaces; empty at a blank spot. */
  wordRange?: Range;
}

const KEY_WORD = /[A-Za-z0-9_$.-]/;

/** `onError`: told about a bug in the cursor analysis (the answer is then the empty path), e.g. the server's log. */
export function getPathAtOffset(parsed: ParsedConfig, offset: number, onError?: (error: unknown) => void): PathAtOffset {
  try {
    const clamped = Math.max(0, Math.min(Math.floor(Number.isFinite(offset) ? offset : 0), parsed.text.length));
    return parsed.format === 'json' ? jsonPathAt(parsed, clamped) : yamlPathAt(parsed, clamped);
  } catch (error) {
    // Best effort: a bug here must not break the editor, but it must be seen.
    onError?.(error);
    return { path: [], inKey: false };
  }
}

/** The node at `path` in the parsed tree. */
export function findNode(parsed: ParsedConfig, path: readonly (string | number)[]): ConfigNode | undefined {
  return findNodeInTree(parsed.root, path);
}

/** The property at `path` (last segment a key) in the parsed tree. */
export function findProperty(parsed: ParsedConfig, path: readonly (string | number)[]): PropertyNode | undefined {
  return findPropertyInTree(parsed.root, path);
}

function jsonPathAt(parsed: ParsedConfig, offset: number): PathAtOffset {
  const location = getLocation(parsed.text, offset);
  const path: ConfigPath = [...location.path];
  const previous = location.previousNode;
  const wordRange = previous && offsetWithin(offset, previous.offset, previous.length) ? rangeOf(parsed.lines, previous.offset, previous.length) : undefined;
  const property = findProperty(parsed, path);
  const node = findNode(parsed, path);
  return { path, node, property, inKey: location.isAtPropertyKey, ...(wordRange ? { wordRange } : {}) };
}

interface TreeHit {
  path: ConfigPath;
  node?: ConfigNode;
  property?: PropertyNode;
  inKey: boolean;
}

/** The deepest key or value containing `offset`, from the YAML tree. */
function treeHit(parsed: ParsedConfig, node: ConfigNode | undefined, offset: number, path: ConfigPath, owner?: PropertyNode): TreeHit | undefined {
  if (!node || !offsetWithin(offset, node.offset, node.length)) return undefined;
  if (node.type === 'object') {
    for (const property of node.properties) {
      if (offsetWithin(offset, property.keyOffset, property.keyLength)) {
        return { path: [...path, property.key], node: property.value, property, inKey: true };
      }
      const deeper = treeHit(parsed, property.value, offset, [...path, property.key], property);
      if (deeper) return deeper;
      if (afterColonOnKeyLine(parsed, property, offset)) {
        return { path: [...path, property.key], node: property.value, property, inKey: false };
      }
    }
    return { path, node, property: owner, inKey: false };
  }
  if (node.type === 'array') {
    for (let i = 0; i < node.items.length; i++) {
      const deeper = treeHit(parsed, node.items[i], offset, [...path, i]);
      if (deeper) return deeper;
    }
    return { path, node, property: owner, inKey: false };
  }
  return { path, node, property: owner, inKey: false };
}

/** `key: |` with the cursor after the colon and nothing typed yet. */
function afterColonOnKeyLine(parsed: ParsedConfig, property: PropertyNode, offset: number): boolean {
  const keyEnd = property.keyOffset + property.keyLength;
  if (offset <= keyEnd) return false;
  const between = parsed.text.slice(keyEnd, offset);
  return /^\s*:[ \t]*$/.test(between) && !between.includes('\n');
}

function yamlPathAt(parsed: ParsedConfig, offset: number): PathAtOffset {
  const { text, lines } = parsed;
  const line = lines.positionAt(offset).line;
  const lineStart = lines.lineStart(line);
  const lineEnd = lines.lineEnd(line);
  const before = text.slice(lineStart, offset);
  const after = text.slice(offset, lineEnd);

  const fromTree = findYamlHit(parsed, offset);
  // A key spanning lines is YAML joining a bare word with the next line's key: not what was meant.
  const singleLineKey = fromTree?.property === undefined || fromTree.property.keyRange.start.line === fromTree.property.keyRange.end.line;
  if (fromTree?.inKey && singleLineKey) return withWord(fromTree, offset);

  // A line holding only a bare word (or nothing): a key being typed. YAML may read such a word
  // as the parent's scalar value, so the parent comes from indentation, not from the tree.
  const bare = /^(\s*)([A-Za-z0-9_$.-]*)$/.exec(before);
  const insideMultilineScalar = fromTree?.node?.type === 'scalar' && fromTree.node.range.start.line < line;
  if (bare && /^[A-Za-z0-9_$.-]*\s*(#.*)?$/.test(after) && !insideMultilineScalar) {
    const indent = bare[1].length;
    const wordStart = lineStart + indent;
    let wordEnd = offset;
    while (wordEnd < lineEnd && KEY_WORD.test(text[wordEnd])) wordEnd++;
    const word = text.slice(wordStart, wordEnd);
    const parentPath = parentPathByIndent(parsed, line, indent, 0);
    const path = [...parentPath, word];
    const property = word ? findProperty(parsed, path) : undefined;
    return { path, node: property?.value, property, inKey: true, wordRange: rangeOf(lines, wordStart, wordEnd - wordStart) };
  }
  if (fromTree) return withWord(fromTree, offset);
  return { path: [], inKey: false };
}

function findYamlHit(parsed: ParsedConfig, offset: number): TreeHit | undefined {
  return treeHit(parsed, parsed.root, offset, []) ?? topLevelAfterColon(parsed, offset);
}

/** The root range can end before a trailing `key: ` on the last line; check root properties directly. */
function topLevelAfterColon(parsed: ParsedConfig, offset: number): TreeHit | undefined {
  const root = parsed.root;
  if (root?.type !== 'object') return undefined;
  for (const property of root.properties) {
    if (afterColonOnKeyLine(parsed, property, offset)) return { path: [property.key], node: property.value, property, inKey: false };
  }
  return undefined;
}

function withWord(hit: TreeHit, offset: number): PathAtOffset {
  let wordRange: Range | undefined;
  if (hit.inKey && hit.property) wordRange = hit.property.keyRange;
  else if (hit.node?.type === 'scalar' && offsetWithin(offset, hit.node.offset, hit.node.length)) wordRange = hit.node.range;
  return { ...hit, ...(wordRange ? { wordRange } : {}) };
}

const KEY_LINE = /^(\s*)(?:-\s+)?(?:"([^"]*)"|'([^']*)'|([^\s#:'"][^#:]*?))\s*:(?:\s|$)/;

/** The path of the mapping that a key at `indent` on `line` belongs to, from the lines above. */
function parentPathByIndent(parsed: ParsedConfig, line: number, indent: number, depth: number): ConfigPath {
  if (indent === 0 || depth > 64) return [];
  const { text, lines } = parsed;
  for (let above = line - 1; above >= 0; above--) {
    const content = text.slice(lines.lineStart(above), lines.lineEnd(above));
    if (/^\s*(#.*)?$/.test(content)) continue;
    const lineIndent = /^\s*/.exec(content)?.[0].length ?? 0;
    if (lineIndent >= indent) continue;
    const match = KEY_LINE.exec(content);
    if (!match) return [];
    const keyOffset = lines.lineStart(above) + content.indexOf(match[2] ?? match[3] ?? match[4], lineIndent);
    const hit = findYamlHit(parsed, keyOffset);
    if (hit?.inKey) return hit.path;
    const key = match[2] ?? match[3] ?? match[4];
    return [...parentPathByIndent(parsed, above, lineIndent, depth + 1), key];
  }
  return [];
}
