/** Compares two resolved configs key by key (dotted paths), for the config diff table. */

export interface ConfigDiffRow {
  /** Dotted path, e.g. training_args.learning_rate. */
  key: string;
  /** JSON text of the value in the first / second config; undefined when the key is absent. */
  left?: string;
  right?: string;
}

/** Flattens nested objects to dotted keys; arrays and scalars are leaves, shown as JSON. */
export function flattenConfig(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [k, v] of entries) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value === undefined ? 'undefined' : JSON.stringify(value));
  }
  return out;
}

export function diffConfigs(left: unknown, right: unknown): ConfigDiffRow[] {
  const a = flattenConfig(left);
  const b = flattenConfig(right);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const rows: ConfigDiffRow[] = [];
  for (const key of keys) {
    const l = a.get(key);
    const r = b.get(key);
    if (l !== r) rows.push({ key, left: l, right: r });
  }
  return rows;
}
