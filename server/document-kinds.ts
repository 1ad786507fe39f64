/** Which service a document goes to: trainer configs by name, scripts by extension. */
const CONFIG_SUFFIXES = ['.trainer.yaml', '.trainer.yml', '.trainer.json'];
const SCRIPT_SUFFIXES = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export type DocumentKind = 'config' | 'script' | 'other';

export function isConfigFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return CONFIG_SUFFIXES.some((s) => lower.endsWith(s));
}

export function documentKind(name: string): DocumentKind {
  if (isConfigFileName(name)) return 'config';
  const lower = name.toLowerCase();
  if (lower.endsWith('.d.ts')) return 'other';
  return SCRIPT_SUFFIXES.some((s) => lower.endsWith(s)) ? 'script' : 'other';
}
