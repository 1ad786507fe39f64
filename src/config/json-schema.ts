/**
 * The JSON Schema (draft-07) generated from the TypeBox definition, for VS Code's JSON/YAML
 * services and any other tool. Defaulted keys are not `required`; renamed Hugging Face keys are
 * accepted but marked deprecated; unsupported ones accept only their "off" values.
 */
import { RENAMED_HF_KEYS, UNSUPPORTED_HF_KEYS } from './hf-keys';
import { TrainerConfigSchema } from './schema';
import { effectivelyRequired, shapeOf, type SchemaShape } from './schema-shape';
import type { JsonValue } from './tree';

export const JSON_SCHEMA_ID = 'urn:finetune-studio:trainer-config';
export const JSON_SCHEMA_PATH = 'schemas/trainer-config.schema.json';

type JsonObject = { [key: string]: JsonValue };

/** Plain JSON of a schema: drops TypeBox's symbol keys and anything not serialisable. */
export function plain(schema: object): JsonObject {
  return JSON.parse(JSON.stringify(schema)) as JsonObject;
}

function markdownWithHfDiff(schema: SchemaShape): string | undefined {
  if (!schema.markdownDescription) return undefined;
  return schema.hfDiff ? `${schema.markdownDescription}\n\n**Hugging Face:** ${schema.hfDiff}` : schema.markdownDescription;
}

/** Strips markdown for the plain `description` that tools without markdown support show. */
function plainText(markdown: string): string {
  return markdown.replace(/\*\*([^*]+)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');
}

/** Adds plain `description`s beside the markdown ones and `required` lists without defaulted keys. */
export function decorate(source: SchemaShape, target: JsonObject): JsonObject {
  const markdown = markdownWithHfDiff(source);
  if (markdown) {
    target.markdownDescription = markdown;
    target.description = plainText(markdown);
  }
  delete target.hfDiff;
  if (source.type === 'object' && source.properties) {
    const properties = target.properties as JsonObject;
    for (const [key, child] of Object.entries(source.properties)) properties[key] = decorate(child, properties[key] as JsonObject);
    const required = effectivelyRequired(source);
    if (required.length > 0) target.required = required;
    else delete target.required;
  }
  if (source.items && target.items) target.items = decorate(source.items, target.items as JsonObject);
  if (source.anyOf && Array.isArray(target.anyOf)) {
    target.anyOf = source.anyOf.map((branch, i) => decorate(branch, (target.anyOf as JsonObject[])[i]));
  }
  return target;
}

function hfKeyEntries(trainingArgs: SchemaShape): JsonObject {
  const entries: JsonObject = {};
  for (const renamed of RENAMED_HF_KEYS) {
    const target = trainingArgs.properties?.[renamed.to];
    const message = `Renamed by Hugging Face to \`${renamed.to}\` (${renamed.since}). Rename it.`;
    entries[renamed.from] = {
      ...(target && !renamed.values ? plain(target) : {}),
      deprecated: true,
      deprecationMessage: plainText(message),
      markdownDescription: message,
      description: plainText(message),
    };
  }
  for (const unsupported of UNSUPPORTED_HF_KEYS) {
    const message = `Not supported by this trainer: ${unsupported.reason}. Only its off value${unsupported.offValues.length > 1 ? 's' : ''} (${unsupported.offValues.map((v) => JSON.stringify(v)).join(', ')}) ${unsupported.offValues.length > 1 ? 'are' : 'is'} accepted, and ${unsupported.offValues.length > 1 ? 'they have' : 'it has'} no effect.`;
    entries[unsupported.key] = {
      enum: [...unsupported.offValues],
      deprecated: true,
      deprecationMessage: plainText(message),
      markdownDescription: message,
      description: plainText(message),
    };
  }
  return entries;
}

export function renderJsonSchemaObject(): JsonObject {
  const source = shapeOf(TrainerConfigSchema);
  const schema = decorate(source, plain(TrainerConfigSchema));
  const trainingArgs = (schema.properties as JsonObject).training_args as JsonObject;
  const sourceTrainingArgs = source.properties?.training_args as SchemaShape;
  trainingArgs.properties = { ...(trainingArgs.properties as JsonObject), ...hfKeyEntries(sourceTrainingArgs) };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: JSON_SCHEMA_ID,
    ...schema,
    description: 'Fine-Tune Studio trainer config (`*.trainer.yaml`, `*.trainer.json`). Generated from src/config/schema.ts by `npm run generate`; do not edit.',
  };
}

/** The file content of schemas/trainer-config.schema.json. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(renderJsonSchemaObject(), null, 2)}\n`;
}
