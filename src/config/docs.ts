/** docs/config.md, generated from the schema, the rule table and the HF key lists. */
import { RENAMED_HF_KEYS, UNSUPPORTED_HF_KEYS } from './hf-keys';
import { RULES } from './rules-table';
import { TrainerConfigSchema } from './schema';
import { describeSchema, effectivelyRequired, shapeOf, type SchemaShape } from './schema-shape';

export const CONFIG_DOCS_PATH = 'docs/config.md';

const SECTION_ORDER = ['model', 'data', 'training_args', 'loss_kwargs', 'generation'] as const;

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function fieldLines(key: string, schema: SchemaShape, required: boolean): string[] {
  const lines = [`### \`${key}\``, ''];
  if (schema.markdownDescription) lines.push(schema.markdownDescription, '');
  const enumSource = schema.enum ? schema : schema.items?.enum ? schema.items : undefined;
  const listed = enumSource?.enum !== undefined && enumSource.markdownEnumDescriptions !== undefined;
  lines.push(`- Type: ${listed ? (schema.enum ? 'one of the values below' : 'a list of the values below') : describeSchema(schema)}`);
  if (required) lines.push('- Required');
  else if (schema.default !== undefined) lines.push(`- Default: \`${JSON.stringify(schema.default)}\``);
  else lines.push('- Optional');
  if (schema.examples?.length) lines.push(`- Example: ${schema.examples.map((e) => `\`${JSON.stringify(e)}\``).join(', ')}`);
  if (schema.hfDiff) lines.push(`- Hugging Face: ${schema.hfDiff}`);
  if (listed && enumSource?.enum) {
    lines.push('- Values:');
    enumSource.enum.forEach((value, i) => lines.push(`  - \`${String(value)}\`: ${enumSource.markdownEnumDescriptions?.[i] ?? ''}`));
  }
  lines.push('');
  return lines;
}

export function sectionLines(title: string, prefix: string, schema: SchemaShape, skip: readonly string[]): string[] {
  const lines = [`## ${title}`, ''];
  if (schema.markdownDescription) lines.push(schema.markdownDescription, '');
  const required = new Set(effectivelyRequired(schema));
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (skip.includes(key)) continue;
    lines.push(...fieldLines(`${prefix}${key}`, child, required.has(key)));
  }
  return lines;
}

export function renderConfigDocs(): string {
  const root = shapeOf(TrainerConfigSchema);
  const lines = [
    '<!-- Generated from src/config by `npm run generate`; do not edit. -->',
    '# Trainer config reference',
    '',
    'A trainer config is a YAML (`*.trainer.yaml`, `*.trainer.yml`) or JSON-with-comments (`*.trainer.json`) file.',
    'Paths are relative to the config file. `training_args` uses Hugging Face `TrainingArguments` names and defaults;',
    'where this trainer differs, the field says so. Check a config with `finetune-studio validate <config>`.',
    '',
    ...sectionLines('Top level', '', root, SECTION_ORDER),
  ];
  for (const section of SECTION_ORDER) {
    const schema = root.properties?.[section];
    if (schema) lines.push(...sectionLines(`\`${section}\``, `${section}.`, schema, []));
  }
  lines.push('## Problem codes', '', 'Every problem `finetune-studio validate` and the editor report has a stable code.', '');
  lines.push('| Code | Severity | Problem |', '| --- | --- | --- |');
  for (const rule of RULES) lines.push(`| ${rule.code} | ${rule.severity} | ${escapeCell(rule.title)} |`);
  lines.push('');
  for (const rule of RULES) lines.push(`### ${rule.code} ${rule.name}`, '', `**${rule.title}** (${rule.severity}). ${rule.doc}`, '');
  lines.push('## Renamed Hugging Face arguments', '', 'Accepted under their old names with a warning (FTS110); the value is used under the new name.', '');
  lines.push('| Old name | New name | When |', '| --- | --- | --- |');
  for (const renamed of RENAMED_HF_KEYS) {
    const values = renamed.values ? ` (values: ${Object.entries(renamed.values).map(([from, to]) => `\`${from}\` → \`${String(to)}\``).join(', ')})` : '';
    lines.push(`| \`${renamed.from}\` | \`${renamed.to}\`${values} | ${escapeCell(renamed.since)} |`);
  }
  lines.push('', '## Unsupported Hugging Face arguments', '');
  lines.push('These `TrainingArguments` fields are rejected (FTS120) with the reason below; set to their off value they only get a note (FTS121).', '');
  lines.push('| Argument | Off values | Why |', '| --- | --- | --- |');
  for (const entry of UNSUPPORTED_HF_KEYS) {
    lines.push(`| \`${entry.key}\` | ${entry.offValues.map((v) => `\`${JSON.stringify(v)}\``).join(', ')} | ${escapeCell(entry.reason)} |`);
  }
  lines.push('');
  return lines.join('\n');
}
