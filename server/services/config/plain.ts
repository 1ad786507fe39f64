/** Reads loosely typed values out of a (possibly invalid) parsed config, for editor features. */
import { dirname, isAbsolute, resolve } from 'node:path';
import { METRICS, resolveMetricNames, toPlainValue, type JsonValue, type MetricName, type ParsedConfig } from '../../../src/config/index';

type PlainObject = { [key: string]: JsonValue };

function asObject(value: JsonValue | undefined): PlainObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

/** The value at a dotted key path of the config's plain value. */
export function plainAt(parsed: ParsedConfig, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = toPlainValue(parsed.root);
  for (const key of path) {
    const object = asObject(current);
    if (!object || !Object.prototype.hasOwnProperty.call(object, key)) return undefined;
    current = object[key];
  }
  return current;
}

export function plainString(parsed: ParsedConfig, path: readonly string[]): string | undefined {
  const value = plainAt(parsed, path);
  return typeof value === 'string' ? value : undefined;
}

export function plainNumber(parsed: ParsedConfig, path: readonly string[]): number | undefined {
  const value = plainAt(parsed, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A path from the config resolved against the config's folder. */
export function resolveFromConfig(configPath: string, relative: string): string {
  return isAbsolute(relative) ? relative : resolve(dirname(configPath), relative);
}

/** Metrics an evaluation computes for this config (defaults applied), through the shared resolver. */
export function metricNamesOf(parsed: ParsedConfig): MetricName[] {
  const numLabels = plainNumber(parsed, ['model', 'num_labels']) ?? 2;
  const rawMetrics = plainAt(parsed, ['metrics']);
  const metrics = Array.isArray(rawMetrics)
    ? rawMetrics.filter((m): m is MetricName => typeof m === 'string' && Object.prototype.hasOwnProperty.call(METRICS, m))
    : undefined;
  // The resolver reads only `model.num_labels` and `metrics`; the rest of the model is not needed.
  return resolveMetricNames({ model: { num_labels: numLabels } as Parameters<typeof resolveMetricNames>[0]['model'], metrics });
}
