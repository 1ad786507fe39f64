/** JSON-with-comments text to the config tree, using `jsonc-parser` (tolerant: it recovers after errors). */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { rangeOf, type LineIndex } from './position';
import type { RawSyntaxError } from './parse-errors';
import type { ConfigNode, PropertyNode } from './tree';
import { MAX_DEPTH } from './parse-yaml';

const JSON_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name in double quotes is expected',
  ValueExpected: 'a value is expected',
  ColonExpected: 'a `:` is expected after the property name',
  CommaExpected: 'a `,` is expected between entries',
  CloseBraceExpected: 'a closing `}` is expected',
  CloseBracketExpected: 'a closing `]` is expected',
  EndOfFileExpected: 'nothing may follow the top-level value',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string',
};

export function parseJsonTree(text: string, lines: LineIndex): { root: ConfigNode | undefined; errors: RawSyntaxError[] } {
  const parseErrors: ParseError[] = [];
  const tree = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  const errors: RawSyntaxError[] = parseErrors.map((error) => {
    const name = printParseErrorCode(error.error);
    return { offset: error.offset, length: error.length, message: JSON_MESSAGES[name] ?? name };
  });
  return { root: convert(tree, lines, errors, 0), errors };
}

function convert(node: JsonNode | undefined, lines: LineIndex, errors: RawSyntaxError[], depth: number): ConfigNode | undefined {
  if (!node) return undefined;
  const span = { offset: node.offset, length: node.length, range: rangeOf(lines, node.offset, node.length) };
  if (depth > MAX_DEPTH) {
    errors.push({ offset: node.offset, length: 1, message: `nesting deeper than ${MAX_DEPTH} levels is not supported`, code: 'FTS004' });
    return undefined;
  }
  switch (node.type) {
    case 'object': {
      const properties: PropertyNode[] = [];
      for (const child of node.children ?? []) {
        const property = convertProperty(child, lines, errors, depth + 1);
        if (property) properties.push(property);
      }
      return { type: 'object', properties, ...span };
    }
    case 'array': {
      const items: ConfigNode[] = [];
      for (const child of node.children ?? []) {
        const item = convert(child, lines, errors, depth + 1);
        if (item) items.push(item);
      }
      return { type: 'array', items, ...span };
    }
    case 'string':
      return { type: 'scalar', value: String(node.value), quoted: true, ...span };
    case 'number':
      return { type: 'scalar', value: Number(node.value), quoted: false, ...span };
    case 'boolean':
      return { type: 'scalar', value: node.value === true, quoted: false, ...span };
    case 'null':
      return { type: 'scalar', value: null, quoted: false, ...span };
    default:
      return undefined;
  }
}

function convertProperty(node: JsonNode, lines: LineIndex, errors: RawSyntaxError[], depth: number): PropertyNode | undefined {
  const [keyNode, valueNode] = node.children ?? [];
  if (node.type !== 'property' || !keyNode) return undefined;
  const value = convert(valueNode, lines, errors, depth);
  const end = value ? value.offset + value.length : keyNode.offset + keyNode.length;
  return {
    key: String(keyNode.value),
    keyOffset: keyNode.offset,
    keyLength: keyNode.length,
    keyRange: rangeOf(lines, keyNode.offset, keyNode.length),
    value,
    offset: keyNode.offset,
    length: end - keyNode.offset,
    range: rangeOf(lines, keyNode.offset, end - keyNode.offset),
  };
}
