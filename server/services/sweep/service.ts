/**
 * The language features of sweep files: diagnostics (exactly what `finetune-studio sweep`
 * refuses), completion of sweep keys and of trainer-field paths under `parameters`, and hover
 * with the sweep key's doc or the trainer field's doc. Pure: document + position in, result out.
 */
import { CompletionItemKind, MarkupKind, type CodeAction, type CompletionItem, type CompletionList, type Diagnostic, type Hover, type Position, type Range } from 'vscode-languageserver';
import { findNode, getPathAtOffset, type ParsedConfig } from '../../../src/config/index';
import { shapeOf, type SchemaShape } from '../../../src/config/schema-shape';
import { SweepSchema } from '../../../src/sweep/schema';
import { trainerFieldAt, trainerFieldPaths, validateParsedSweep, type SweepHost } from '../../../src/sweep/validate';
import type { ServiceContext } from '../../context';
import { problemCodeActions } from '../config/code-actions';
import { problemToDiagnostic } from '../config/diagnostics';
import { fieldFacts, fieldMarkdown } from '../config/field-docs';
import { declaredKeys, schemaAt, valueChoices } from '../config/schema-nav';

const ROOT = shapeOf(SweepSchema);

function sweepHost(context: ServiceContext): SweepHost {
  return { ...context.configHost, readText: (path) => context.files.readText(path) };
}

export function sweepDiagnostics(text: string, fileName: string, context: ServiceContext): Diagnostic[] {
  return validateParsedSweep(context.parseConfig(text, fileName), sweepHost(context)).problems.map(problemToDiagnostic);
}

export function sweepCodeActions(text: string, fileName: string, uri: string, range: Range, diagnostics: readonly Diagnostic[], context: ServiceContext): CodeAction[] {
  return problemCodeActions(validateParsedSweep(context.parseConfig(text, fileName), sweepHost(context)).problems, uri, range, diagnostics);
}

/** The schema at a sweep path: parameter keys are trainer paths, so `parameters.<path>` is the parameter schema. */
function sweepSchemaAt(path: readonly (string | number)[]): SchemaShape | undefined {
  return schemaAt(path, ROOT);
}

function markdown(value: string) {
  return { kind: MarkupKind.Markdown, value };
}

export function sweepCompletions(text: string, fileName: string, position: Position, context: ServiceContext): CompletionList {
  const parsed = context.parseConfig(text, fileName);
  const offset = parsed.offsetAt(position);
  const location = getPathAtOffset(parsed, offset);
  const range = location.wordRange ?? { start: position, end: position };
  const json = parsed.format === 'json';
  const parentPath = location.path.slice(0, -1);
  const present = presentKeys(parsed, parentPath, location.property?.key);
  const items: CompletionItem[] = [];
  if (location.inKey && parentPath.length === 1 && parentPath[0] === 'parameters') {
    // Trainer fields, by dotted path, with the field's own docs.
    for (const [path, schema] of trainerFieldPaths()) {
      if (present.has(path)) continue;
      const keyText = json ? JSON.stringify(path) : path;
      items.push({
        label: path,
        kind: CompletionItemKind.Field,
        detail: fieldFacts(schema).replaceAll('`', ''),
        documentation: markdown(fieldMarkdown(path, schema)),
        textEdit: { range, newText: keyText },
        filterText: keyText,
      });
    }
  } else if (location.inKey) {
    declaredKeys(sweepSchemaAt(parentPath)).forEach(([key, schema], index) => {
      if (present.has(key)) return;
      const keyText = json ? JSON.stringify(key) : key;
      items.push({
        label: key,
        kind: schema.type === 'object' ? CompletionItemKind.Module : CompletionItemKind.Property,
        detail: fieldFacts(schema).replaceAll('`', ''),
        documentation: markdown(fieldMarkdown(key, schema)),
        textEdit: { range, newText: keyText },
        filterText: keyText,
        sortText: String(index).padStart(3, '0'),
      });
    });
  } else {
    for (const choice of valueChoices(sweepSchemaAt(location.path))) {
      if (choice.value === null) continue;
      const label = String(choice.value);
      items.push({
        label,
        kind: CompletionItemKind.EnumMember,
        ...(choice.doc ? { documentation: markdown(choice.doc) } : {}),
        textEdit: { range, newText: json ? JSON.stringify(choice.value) : label },
      });
    }
  }
  return { isIncomplete: false, items };
}

function presentKeys(parsed: ParsedConfig, path: readonly (string | number)[], current: string | undefined): Set<string> {
  const node = findNode(parsed, path);
  const keys = new Set(node?.type === 'object' ? node.properties.map((p) => p.key) : []);
  if (current !== undefined) keys.delete(current);
  return keys;
}

export function sweepHover(text: string, fileName: string, position: Position, context: ServiceContext): Hover | undefined {
  const parsed = context.parseConfig(text, fileName);
  const location = getPathAtOffset(parsed, parsed.offsetAt(position));
  const path = location.path;
  if (!location.inKey || !location.property || path.length === 0) return undefined;
  const key = String(path[path.length - 1]);
  if (path.length === 2 && path[0] === 'parameters') {
    const field = trainerFieldAt(key);
    if (!field) return undefined;
    return { contents: markdown(`Sweep parameter: sets the trainer field\n\n${fieldMarkdown(key, field)}`), range: location.property.keyRange };
  }
  const schema = sweepSchemaAt(path);
  return schema ? { contents: markdown(fieldMarkdown(key, schema)), range: location.property.keyRange } : undefined;
}
