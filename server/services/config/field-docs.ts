/** Markdown for a config field: what hover shows and completion items carry as documentation. */
import type { JsonValue } from '../../../src/config/index';
import { describeBounds, type SchemaShape } from '../../../src/config/schema-shape';
import { typeLabel } from './schema-nav';

export function formatValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** "Differs from Hugging Face: …", the note each field's `hfDiff` carries. */
export function hfDiffNote(schema: SchemaShape): string | undefined {
  return schema.hfDiff ? `**Differs from Hugging Face:** ${schema.hfDiff}` : undefined;
}

/** Type, default and allowed range on one line, e.g. "`number` · default `5e-05` · range `> 0`". */
export function fieldFacts(schema: SchemaShape): string {
  const facts = [`\`${typeLabel(schema)}\``];
  if (schema.default !== undefined) facts.push(`default \`${formatValue(schema.default)}\``);
  const numeric = schema.anyOf?.find((s) => s.type === 'number' || s.type === 'integer') ?? schema;
  const bounds = describeBounds(numeric).trim();
  if (bounds) facts.push(`range \`${bounds}\``);
  return facts.join(' · ');
}

export function fieldMarkdown(key: string, schema: SchemaShape): string {
  const parts = [`**${key}** · ${fieldFacts(schema)}`];
  if (schema.markdownDescription) parts.push(schema.markdownDescription);
  if (schema.enum && schema.markdownEnumDescriptions) {
    parts.push(schema.enum.map((v, i) => `- \`${formatValue(v)}\`: ${schema.markdownEnumDescriptions?.[i] ?? ''}`).join('\n'));
  }
  if (schema.examples && schema.examples.length > 0) parts.push(`Example: \`${schema.examples.map(formatValue).join('`, `')}\``);
  const note = hfDiffNote(schema);
  if (note) parts.push(note);
  return parts.join('\n\n');
}
