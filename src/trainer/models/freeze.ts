/** `model.freeze` matching, without tfjs: the language server's memory plan counts frozen weights with it too. */

/** True when a weight name matches a `model.freeze` pattern: `*` is a wildcard, and a pattern naming a layer covers its weights. */
export function isFrozen(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const source = pattern.split('*').map(escapeRegExp).join('.*');
    return new RegExp(`^${source}(\\..*)?$`).test(name);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
