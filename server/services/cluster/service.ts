/**
 * The language features of `*.cluster.yaml` files, from the one cluster schema
 * (src/launcher/slurm/schema): diagnostics (what `submit --cluster` refuses), key and value
 * completion, hover. Pure: document + position in, result out.
 */
import { CompletionItemKind, MarkupKind, type CompletionItem, type CompletionList, type Diagnostic, type Hover, type Position } from 'vscode-languageserver';
import { findNode, getPathAtOffset } from '../../../src/config/index';
import { shapeOf } from '../../../src/config/schema-shape';
import { walkConfig } from '../../../src/config/schema-walk';
import { ClusterSchema } from '../../../src/launcher/slurm/schema';
import type { ServiceContext } from '../../context';
import { problemToDiagnostic } from '../config/diagnostics';
import { fieldFacts, fieldMarkdown } from '../config/field-docs';
import { declaredKeys, schemaAt, valueChoices } from '../config/schema-nav';

const ROOT = shapeOf(ClusterSchema);

export function clusterDiagnostics(text: string, fileName: string, context: ServiceContext): Diagnostic[] {
  const parsed = context.parseConfig(text, fileName);
  const walk = walkConfig(parsed, ROOT, [{ path: [], schema: ROOT }]);
  return [...parsed.problems, ...walk.problems].map(problemToDiagnostic);
}

export function clusterCompletions(text: string, fileName: string, position: Position, context: ServiceContext): CompletionList {
  const parsed = context.parseConfig(text, fileName);
  const location = getPathAtOffset(parsed, parsed.offsetAt(position));
  const range = location.wordRange ?? { start: position, end: position };
  const parentPath = location.path.slice(0, -1);
  const node = findNode(parsed, parentPath);
  const present = new Set(node?.type === 'object' ? node.properties.map((p) => p.key) : []);
  if (location.property?.key !== undefined) present.delete(location.property.key);
  const items: CompletionItem[] = [];
  if (location.inKey) {
    declaredKeys(schemaAt(parentPath, ROOT)).forEach(([key, schema], index) => {
      if (present.has(key) || key === '$schema') return;
      items.push({
        label: key,
        kind: CompletionItemKind.Property,
        detail: fieldFacts(schema).replaceAll('`', ''),
        documentation: { kind: MarkupKind.Markdown, value: fieldMarkdown(key, schema) },
        textEdit: { range, newText: key },
        sortText: String(index).padStart(3, '0'),
      });
    });
  } else {
    for (const choice of valueChoices(schemaAt(location.path, ROOT))) {
      if (choice.value === null) continue;
      items.push({ label: String(choice.value), kind: CompletionItemKind.EnumMember, textEdit: { range, newText: String(choice.value) } });
    }
  }
  return { isIncomplete: false, items };
}

export function clusterHover(text: string, fileName: string, position: Position, context: ServiceContext): Hover | undefined {
  const parsed = context.parseConfig(text, fileName);
  const location = getPathAtOffset(parsed, parsed.offsetAt(position));
  if (!location.inKey || !location.property || location.path.length === 0) return undefined;
  const key = String(location.path[location.path.length - 1]);
  const schema = schemaAt(location.path, ROOT);
  return schema ? { contents: { kind: MarkupKind.Markdown, value: fieldMarkdown(key, schema) }, range: location.property.keyRange } : undefined;
}
