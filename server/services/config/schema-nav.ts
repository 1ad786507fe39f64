/** Walks the trainer-config schema by path, and lists the values a field accepts. */
import { TrainerConfigSchema, type JsonValue } from '../../../src/config/index';
import { shapeOf, type SchemaShape } from '../../../src/config/schema-shape';

export const ROOT_SCHEMA: SchemaShape = shapeOf(TrainerConfigSchema);

/** The member of a union that describes objects (for nullable or alternative object fields). */
function objectVariant(schema: SchemaShape): SchemaShape | undefined {
  if (schema.type === 'object') return schema;
  return schema.anyOf?.find((s) => s.type === 'object');
}

function arrayVariant(schema: SchemaShape): SchemaShape | undefined {
  if (schema.type === 'array') return schema;
  return schema.anyOf?.find((s) => s.type === 'array');
}

/** The schema of one key of an object schema (declared, or through a record's value schema). */
export function propertySchema(schema: SchemaShape, key: string): SchemaShape | undefined {
  const object = objectVariant(schema);
  if (!object) return undefined;
  if (object.properties && Object.prototype.hasOwnProperty.call(object.properties, key)) return object.properties[key];
  if (typeof object.additionalProperties === 'object') return object.additionalProperties;
  const pattern = object.patternProperties ? Object.values(object.patternProperties)[0] : undefined;
  return pattern;
}

/** The schema at `path` (keys and list indices) from the root, or undefined where the schema has none. */
export function schemaAt(path: readonly (string | number)[], root: SchemaShape = ROOT_SCHEMA): SchemaShape | undefined {
  let current: SchemaShape | undefined = root;
  for (const segment of path) {
    if (!current) return undefined;
    current = typeof segment === 'number' ? arrayVariant(current)?.items : propertySchema(current, segment);
  }
  return current;
}

/** Declared keys of an object schema, in schema order. */
export function declaredKeys(schema: SchemaShape | undefined): [string, SchemaShape][] {
  const object = schema ? objectVariant(schema) : undefined;
  return object?.properties ? Object.entries(object.properties) : [];
}

export interface ValueChoice {
  value: JsonValue;
  /** Markdown doc of this value (from markdownEnumDescriptions). */
  doc?: string;
}

/** Every fixed value the schema allows: enum members with their docs, literals, booleans, null. */
export function valueChoices(schema: SchemaShape | undefined): ValueChoice[] {
  if (!schema) return [];
  const choices: ValueChoice[] = [];
  const seen = new Set<string>();
  const add = (value: JsonValue, doc?: string) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return;
    seen.add(key);
    choices.push(doc === undefined ? { value } : { value, doc });
  };
  const visit = (s: SchemaShape) => {
    s.enum?.forEach((value, i) => add(value, s.markdownEnumDescriptions?.[i]));
    if (s.const !== undefined) add(s.const);
    if (s.type === 'boolean') {
      add(true);
      add(false);
    }
    if (s.type === 'null') add(null);
    s.anyOf?.forEach(visit);
  };
  visit(schema);
  return choices;
}

/** The type a field expects, as the schema says, for hover and completion details. */
export function typeLabel(schema: SchemaShape): string {
  if (schema.anyOf) return schema.anyOf.map(typeLabel).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return 'enum';
  if (schema.type === 'array') return schema.items ? `${typeLabel(schema.items)}[]` : 'array';
  if (schema.type === 'object' && !schema.properties) return 'mapping';
  return schema.type ?? 'any';
}
