/**
 * The format-neutral config tree that YAML and JSON both parse into. Every node keeps its
 * source range so problems, hovers and quick fixes point at the exact text.
 */
import type { Range } from './position';

interface NodeBase {
  range: Range;
  /** Offset of the node's first character in the text. */
  offset: number;
  /** Length of the node's source text. */
  length: number;
}

export interface ObjectNode extends NodeBase {
  type: 'object';
  properties: PropertyNode[];
}

export interface ArrayNode extends NodeBase {
  type: 'array';
  items: ConfigNode[];
}

export type ScalarValue = string | number | boolean | null;

export interface ScalarNode extends NodeBase {
  type: 'scalar';
  value: ScalarValue;
  /** True when the source wrote the scalar in quotes (so `"3"` is a string on purpose). */
  quoted: boolean;
}

export type ConfigNode = ObjectNode | ArrayNode | ScalarNode;

export interface PropertyNode {
  key: string;
  keyRange: Range;
  keyOffset: number;
  keyLength: number;
  /** Undefined when the source has a key and no value at all (JSON `"a": }`); YAML `a:` gives a null scalar. */
  value: ConfigNode | undefined;
  /** From the key's start to the value's end. */
  range: Range;
  offset: number;
  length: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The plain JS value of a node. A duplicated key keeps its last value, as YAML and JSON.parse do. */
export function toPlainValue(node: ConfigNode | undefined): JsonValue | undefined {
  if (node === undefined) return undefined;
  switch (node.type) {
    case 'scalar':
      return node.value;
    case 'array':
      return node.items.map((item) => toPlainValue(item) ?? null);
    case 'object': {
      const result: { [key: string]: JsonValue } = {};
      for (const property of node.properties) {
        const value = toPlainValue(property.value);
        // defineProperty so a `__proto__` key stays an ordinary own key.
        Object.defineProperty(result, property.key, { value: value ?? null, enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
  }
}

/** The last property named `key` (the one that wins, as in toPlainValue). */
export function getProperty(node: ConfigNode | undefined, key: string): PropertyNode | undefined {
  if (node?.type !== 'object') return undefined;
  for (let i = node.properties.length - 1; i >= 0; i--) {
    if (node.properties[i].key === key) return node.properties[i];
  }
  return undefined;
}

export type ConfigPath = (string | number)[];

/** The node at `path` (object keys and array indices), or undefined. */
export function findNodeInTree(root: ConfigNode | undefined, path: readonly (string | number)[]): ConfigNode | undefined {
  let node = root;
  for (const segment of path) {
    if (node === undefined) return undefined;
    if (typeof segment === 'number') {
      node = node.type === 'array' ? node.items[segment] : undefined;
    } else {
      node = getProperty(node, segment)?.value;
    }
  }
  return node;
}

/** The property at `path` (its last segment a key), or undefined. */
export function findPropertyInTree(root: ConfigNode | undefined, path: readonly (string | number)[]): PropertyNode | undefined {
  if (path.length === 0) return undefined;
  const last = path[path.length - 1];
  if (typeof last !== 'string') return undefined;
  return getProperty(findNodeInTree(root, path.slice(0, -1)), last);
}

/** Short human description of a node's type, for messages. */
export function describeNodeType(node: ConfigNode): string {
  if (node.type === 'object') return 'an object';
  if (node.type === 'array') return 'a list';
  const value = node.value;
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return `the number ${value}`;
}
