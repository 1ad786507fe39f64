/** Hover in trainer configs: the field's doc, type, default, range, HF difference, and the doc of an enum value. */
import { dirname, join } from 'node:path';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { LOSSES, LOSS_ALIASES, getPathAtOffset } from '../../../src/config/index';
import type { ServiceContext } from '../../context';
import { fieldMarkdown, formatValue } from './field-docs';
import { schemaAt, valueChoices } from './schema-nav';
import { fieldId } from './completion';
import { hubModelHover } from './hub-models';
import { checkpointSummary, readEncoderConfig } from '../../../src/trainer/models/hf/config';
import { editorMemoryPlan, memoryPlanMarkdown } from '../../../src/config/memory-plan';
import { validateParsedConfig } from '../../../src/config/validate';
import { decoderSummary, isDecoderModelType, readDecoderConfig } from '../../../src/trainer/models/hf/decoder-config';

export function configHover(text: string, fileName: string, position: Position, context: ServiceContext): Hover | undefined {
  const parsed = context.parseConfig(text, fileName);
  const offset = parsed.offsetAt(position);
  const location = getPathAtOffset(parsed, offset, (error) => context.reportError(`cursor analysis for hover in ${fileName}`, error));
  const path = location.path;
  if (path.length === 0) return undefined;
  let lastKeyIndex = path.length - 1;
  while (lastKeyIndex >= 0 && typeof path[lastKeyIndex] !== 'string') lastKeyIndex--;
  if (lastKeyIndex < 0) return undefined;
  const key = path[lastKeyIndex] as string;
  const fieldSchema = schemaAt(path.slice(0, lastKeyIndex + 1));
  if (!fieldSchema) return undefined;

  const sections = [fieldMarkdown(key, fieldSchema)];
  const node = location.node;
  let range = location.property?.keyRange;
  if (!location.inKey && node?.type === 'scalar' && offset >= node.offset && offset <= node.offset + node.length) {
    range = node.range;
    const value = node.value;
    const valueDoc =
      fieldId(path) === 'loss_name' && typeof value === 'string' && LOSS_ALIASES[value]
        ? LOSSES[LOSS_ALIASES[value]]
        : valueChoices(schemaAt(path)).find((c) => c.value === value)?.doc;
    if (valueDoc && value !== null) sections.unshift(`\`${formatValue(value)}\`: ${valueDoc}`, '---');
    const pretrained = fieldId(path) === 'model.from_pretrained' && typeof value === 'string';
    const hub = pretrained ? hubModelHover(value, dirname(fileName), context.hub) : undefined;
    if (hub) sections.unshift(hub, '---');
    // A folder's checkpoint, or a Hub id's cached snapshot: the same summary.
    const located = pretrained ? context.hub.locate(value, dirname(fileName)) : undefined;
    const folder = located?.kind === 'folder' || located?.kind === 'cached' ? located.folder : undefined;
    const checkpoint = folder ? folderCheckpointHover(folder, context) : undefined;
    if (checkpoint) sections.unshift(checkpoint, '---');
  } else if (!location.inKey) {
    return undefined;
  }
  if (location.inKey && fieldId(path) === 'model') {
    const plan = memoryPlanSection(text, fileName, context);
    if (plan) sections.push('---', plan);
  }
  if (location.inKey && !location.property) return undefined;
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n') }, ...(range ? { range } : {}) };
}

/** The checkpoint in a local Hugging Face folder: model_type, sizes, parameters, positions, labels. */
function folderCheckpointHover(folder: string, context: ServiceContext): string | undefined {
  const text = context.files.readText(join(folder, 'config.json'));
  if (text === undefined) return undefined;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (typeof json.model_type !== 'string' || 'finetune_studio' in json) return undefined;
    if (isDecoderModelType(json.model_type)) return decoderSummary(readDecoderConfig(json, join(folder, 'config.json')));
    return checkpointSummary(readEncoderConfig(json, join(folder, 'config.json')));
  } catch (error) {
    return `\`${join(folder, 'config.json')}\`: ${(error as Error).message}`;
  }
}

/** The memory plan of the config's `from_pretrained` checkpoint (config.json sizes only; no weights are read). */
function memoryPlanSection(text: string, fileName: string, context: ServiceContext): string | undefined {
  const { config } = validateParsedConfig(context.parseConfig(text, fileName), context.configHost);
  if (!config) return undefined;
  const plan = editorMemoryPlan(config, fileName, context.configHost);
  return plan ? memoryPlanMarkdown(plan) : undefined;
}
