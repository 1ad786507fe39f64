/**
 * The JSON Schema subset the TypeBox definitions use, as plain data, plus helpers that read it:
 * defaults, "can this be left out", and human descriptions for messages and docs.
 */
import type { JsonValue } from './tree';

export interface SchemaShape {
  type?: string;
  enum?: readonly JsonValue[];
  const?: JsonValue;
  anyOf?: readonly SchemaShape[];
  properties?: Readonly<Record<string, SchemaShape>>;
  required?: readonly string[];
  additionalProperties?: boolean | SchemaShape;
  patternProperties?: Readonly<Record<string, SchemaShape>>;
  items?: SchemaShape;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  default?: JsonValue;
  markdownDescription?: string;
  markdownEnumDescriptions?: readonly string[];
  hfDiff?: string;
  examples?: readonly JsonValue[];
  title?: string;
}

/** A TypeBox schema viewed as the plain JSON Schema it is. */
export function shapeOf(schema: object): SchemaShape {
  return schema as SchemaShape;
}

/** Whether leaving the key out is fine: it has a default, or it is an object whose required keys all can be left out. */
export function isDefaultable(schema: SchemaShape): boolean {
  if (schema.default !== undefined) return true;
  if (schema.type === 'object' && schema.properties) {
    return (schema.required ?? []).every((key) => {
      const property = schema.properties?.[key];
      return property !== undefined && isDefaultable(property);
    });
  }
  return false;
}

/** Keys that must be written: required in the schema and not defaultable. */
export function effectivelyRequired(schema: SchemaShape): string[] {
  return (schema.required ?? []).filter((key) => {
    const property = schema.properties?.[key];
    return property === undefined || !isDefaultable(property);
  });
}

function clone<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Fills every missing defaulted key (recursively); the input is not modified. */
export function applyDefaults(schema: SchemaShape, value: JsonValue | undefined): JsonValue | undefined {
  if (value === undefined) {
    if (schema.default !== undefined) return applyDefaults(schema, clone(schema.default));
    if (schema.type === 'object' && isDefaultable(schema)) return applyDefaults(schema, {});
    return undefined;
  }
  if (schema.type === 'object' && schema.properties && isPlainObject(value)) {
    const result: { [key: string]: JsonValue } = { ...value };
    for (const [key, property] of Object.entries(schema.properties)) {
      // An optional section left out stays out (`peft:` absent means no adapters), unless it has a default.
      if (result[key] === undefined && property.default === undefined && !(schema.required ?? []).includes(key)) continue;
      const filled = applyDefaults(property, result[key]);
      if (filled !== undefined) result[key] = filled;
    }
    return result;
  }
  return value;
}

export function isPlainObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatNumber(n: number): string {
  return String(n);
}

/** "an integer >= 1", "one of `no`, `steps`, `epoch`", "a number or null", ... */
export function describeSchema(schema: SchemaShape): string {
  if (schema.anyOf) return schema.anyOf.map(describeSchema).join(' or ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.enum) return `one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return `${schema.type === 'integer' ? 'an integer' : 'a number'}${describeBounds(schema)}`;
    case 'string':
      return 'a string';
    case 'boolean':
      return '`true` or `false`';
    case 'null':
      return '`null`';
    case 'object':
      return 'a mapping';
    case 'array':
      return schema.items ? `a list of ${plural(describeSchema(schema.items))}` : 'a list';
    default:
      return 'any value';
  }
}

function plural(description: string): string {
  return description.replace(/^an? (integer|number|string)/, '$1s');
}

/** " >= 1", " between 0 and 1", " > 0", or "" */
export function describeBounds(schema: SchemaShape): string {
  const low = schema.minimum !== undefined ? `>= ${formatNumber(schema.minimum)}` : schema.exclusiveMinimum !== undefined ? `> ${formatNumber(schema.exclusiveMinimum)}` : undefined;
  const high = schema.maximum !== undefined ? `<= ${formatNumber(schema.maximum)}` : schema.exclusiveMaximum !== undefined ? `< ${formatNumber(schema.exclusiveMaximum)}` : undefined;
  if (schema.minimum !== undefined && schema.maximum !== undefined) return ` between ${formatNumber(schema.minimum)} and ${formatNumber(schema.maximum)}`;
  return [low, high].filter(Boolean).map((b) => ` ${b}`).join(' and');
}

/** Whether a number satisfies the schema's bounds. */
export function withinBounds(schema: SchemaShape, n: number): boolean {
  if (schema.minimum !== undefined && n < schema.minimum) return false;
  if (schema.maximum !== undefined && n > schema.maximum) return false;
  if (schema.exclusiveMinimum !== undefined && n <= schema.exclusiveMinimum) return false;
  if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) return false;
  return true;
}
