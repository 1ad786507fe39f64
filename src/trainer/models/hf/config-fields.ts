/** Typed reads of config.json keys, each error naming the file and the key. */
export interface ConfigFields {
  int(key: string, fallback?: number): number;
  num(key: string, fallback: number): number;
  bool(key: string, fallback: boolean): boolean;
}

export function configFields(json: Record<string, unknown>, source: string): ConfigFields {
  return {
    int(key, fallback) {
      const value = json[key] ?? fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new Error(`${source}: "${key}" must be a non-negative integer, got ${JSON.stringify(json[key])}`);
      }
      return value;
    },
    num(key, fallback) {
      const value = json[key] ?? fallback;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${source}: "${key}" must be a number, got ${JSON.stringify(json[key])}`);
      return value;
    },
    bool(key, fallback) {
      const value = json[key] ?? fallback;
      if (typeof value !== 'boolean') throw new Error(`${source}: "${key}" must be true or false, got ${JSON.stringify(json[key])}`);
      return value;
    },
  };
}
