/**
 * The hyperparameters of a resolved config, as the hparams plugin takes them (numbers, strings,
 * booleans): `training_args` fields under their HF names, `model` and `data` fields by dotted path
 * (`model.architecture`), other top-level keys by name (`loss_name`). Lists and keyword maps become
 * JSON text, so they compare as one value; nulls and empty maps are left out.
 */
import type { HParamValue } from './tb-events';

export function hparamsOf(config: unknown): Map<string, HParamValue> {
  const result = new Map<string, HParamValue>();
  const add = (key: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') result.set(key, value);
    else if (!(isPlainObject(value) && Object.keys(value).length === 0)) result.set(key, JSON.stringify(value));
  };
  if (!isPlainObject(config)) return result;
  for (const [key, value] of Object.entries(config)) {
    if (key === '$schema') continue;
    if (key === 'training_args' && isPlainObject(value)) for (const [name, v] of Object.entries(value)) add(name, v);
    else if ((key === 'model' || key === 'data') && isPlainObject(value)) for (const [name, v] of Object.entries(value)) add(`${key}.${name}`, v);
    else add(key, value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
