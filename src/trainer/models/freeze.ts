/** `model.freeze` matching, without tfjs: the language server's memory plan counts frozen weights with it too. */

/**
 * True when a weight name matches a `model.freeze` pattern, as fnmatch reads it: `*` any run of
 * characters, `?` one, `[0-5]` / `[!0-5]` one of (not of) a set, e.g. `bert.encoder.layer.[0-5].*`;
 * a pattern naming a layer covers its weights.
 */
export function isFrozen(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => new RegExp(`^${patternSource(pattern)}(\\..*)?$`).test(name));
}

function patternSource(pattern: string): string {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      // A set runs to the next `]` (a `]` right after `[` or `[!` is part of it); unclosed, `[` is literal.
      let end = i + 1;
      if (pattern[end] === '!' || pattern[end] === '^') end++;
      if (pattern[end] === ']') end++;
      end = pattern.indexOf(']', end);
      if (end < 0) {
        source += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else source += escapeRegExp(c);
  }
  return source;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
