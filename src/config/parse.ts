/**
 * Parses config text (YAML, or JSON with comments for `.json` files) into the format-neutral
 * tree. Never throws: whatever the input, the result holds a tree (possibly partial) and problems.
 */
import { removePropertyEdits } from './edits';
import { formatForFileName, type ParsedConfig } from './parsed';
import type { RawSyntaxError } from './parse-errors';
import { parseJsonTree } from './parse-json';
import { parseYamlTree } from './parse-yaml';
import { createLineIndex, rangeOf } from './position';
import { MAX_PROBLEMS_PER_FILE } from './problems';
import type { ConfigNode, ObjectNode } from './tree';

export function parseConfigText(text: string, fileName: string): ParsedConfig {
  const safeText = typeof text === 'string' ? text : String(text);
  const format = formatForFileName(fileName);
  const lines = createLineIndex(safeText);
  const parsed: ParsedConfig = {
    fileName,
    format,
    text: safeText,
    root: undefined,
    problems: [],
    omittedProblems: 0,
    lines,
    positionAt: (offset) => lines.positionAt(offset),
    offsetAt: (position) => lines.offsetAt(position),
  };
  let errors: RawSyntaxError[];
  const tooDeep = firstOffsetBeyondFlowDepth(safeText, MAX_FLOW_DEPTH);
  try {
    if (tooDeep !== undefined) throw new NestingTooDeep(tooDeep);
    const result = format === 'json' ? parseJsonTree(safeText, lines) : parseYamlTree(safeText, lines);
    parsed.root = result.root;
    errors = result.errors;
  } catch (error) {
    // The parsers recurse; pathological nesting can exhaust the stack. Report it, never throw.
    const deep = error instanceof NestingTooDeep || error instanceof RangeError;
    const reason = deep ? `brackets nest deeper than ${MAX_FLOW_DEPTH} levels; this is not a trainer config` : `the parser failed: ${error instanceof Error ? error.message : String(error)}`;
    errors = [{ offset: error instanceof NestingTooDeep ? error.offset : 0, length: 1, message: reason, code: 'FTS004' }];
  }
  for (const error of errors) {
    const length = error.length > 0 ? error.length : Math.min(1, safeText.length - error.offset);
    parsed.problems.push({
      file: fileName,
      range: rangeOf(lines, error.offset, Math.max(0, length)),
      severity: 'error',
      code: error.code ?? 'FTS001',
      message: error.message,
    });
  }
  reportDuplicateKeys(parsed, parsed.root);
  return parsed;
}

/**
 * Flow brackets (`[`, `{`) nested this deep are refused before parsing: both parsers recurse per
 * level, and in V8 a stack overflow inside the YAML parser's regular expressions is a fatal
 * out-of-memory crash that no catch can stop (seen at ~3000 levels).
 */
const MAX_FLOW_DEPTH = 256;

class NestingTooDeep extends Error {
  constructor(readonly offset: number) {
    super('nesting too deep');
  }
}

/** Offset of the first bracket beyond `limit` levels (quotes ignored: over-counting is harmless here). */
function firstOffsetBeyondFlowDepth(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 91 /* [ */ || ch === 123 /* { */) {
      if (++depth > limit) return i;
    } else if ((ch === 93 /* ] */ || ch === 125) /* } */ && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/** A key given twice: the last one wins (as in YAML and JSON.parse), which is rarely what was meant. */
function reportDuplicateKeys(parsed: ParsedConfig, node: ConfigNode | undefined): void {
  // An explicit stack, pushed one by one: lists can hold 100,000s of items (no spread into a call).
  const stack: ConfigNode[] = node ? [node] : [];
  // Aliases share nodes; each shared object is checked once.
  const seen = new Set<ConfigNode>();
  while (stack.length > 0) {
    const current = stack.pop() as ConfigNode;
    if (seen.has(current)) continue;
    seen.add(current);
    if (current.type === 'array') for (const item of current.items) stack.push(item);
    if (current.type !== 'object') continue;
    reportDuplicatesIn(parsed, current);
    for (const property of current.properties) if (property.value) stack.push(property.value);
  }
}

function reportDuplicatesIn(parsed: ParsedConfig, node: ObjectNode): void {
  const lastIndex = new Map<string, number>();
  node.properties.forEach((property, index) => lastIndex.set(property.key, index));
  node.properties.forEach((property, index) => {
    const last = lastIndex.get(property.key) as number;
    if (last === index) return;
    if (parsed.problems.length >= MAX_PROBLEMS_PER_FILE) {
      parsed.omittedProblems++;
      return;
    }
    const winner = node.properties[last];
    parsed.problems.push({
      file: parsed.fileName,
      range: property.keyRange,
      severity: 'error',
      code: 'FTS002',
      message: `duplicate key \`${property.key}\`: the one on line ${winner.keyRange.start.line + 1} wins and this one is ignored; remove one of them`,
      fix: { title: `Remove this \`${property.key}\``, edits: removePropertyEdits(parsed, node, property, index) },
    });
  });
}
