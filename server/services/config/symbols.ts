/** Document outline of a config: sections and keys, nested as written. */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { ConfigNode, PropertyNode } from '../../../src/config/index';
import type { ServiceContext } from '../../context';

/** Deeper nesting is not a config the outline can help with (and fuzzed input can nest thousands deep). */
const MAX_DEPTH = 16;

function kindOf(node: ConfigNode | undefined): SymbolKind {
  if (!node) return SymbolKind.Null;
  if (node.type === 'object') return SymbolKind.Module;
  if (node.type === 'array') return SymbolKind.Array;
  const value = node.value;
  if (typeof value === 'number') return SymbolKind.Number;
  if (typeof value === 'boolean') return SymbolKind.Boolean;
  if (value === null) return SymbolKind.Null;
  return SymbolKind.String;
}

function detailOf(node: ConfigNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'scalar') return node.value === null ? 'null' : String(node.value);
  if (node.type === 'array') return `${node.items.length} item${node.items.length === 1 ? '' : 's'}`;
  return undefined;
}

function childrenOf(node: ConfigNode | undefined, depth: number): DocumentSymbol[] {
  if (!node || depth >= MAX_DEPTH) return [];
  if (node.type === 'object') return node.properties.map((p) => propertySymbol(p, depth));
  if (node.type === 'array') {
    return node.items.flatMap((item, index) =>
      item.type === 'object'
        ? [{ name: `[${index}]`, kind: SymbolKind.Object, range: item.range, selectionRange: item.range, children: childrenOf(item, depth + 1) }]
        : [],
    );
  }
  return [];
}

function propertySymbol(property: PropertyNode, depth: number): DocumentSymbol {
  const detail = detailOf(property.value);
  return {
    name: property.key === '' ? '""' : property.key,
    kind: kindOf(property.value),
    range: property.range,
    selectionRange: property.keyRange,
    ...(detail !== undefined ? { detail } : {}),
    children: childrenOf(property.value, depth + 1),
  };
}

export function configSymbols(text: string, fileName: string, context: ServiceContext): DocumentSymbol[] {
  const parsed = context.parseConfig(text, fileName);
  return childrenOf(parsed.root, 0);
}
