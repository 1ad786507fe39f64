/** Which service a document goes to: trainer configs and sweep files by name, scripts by extension. */
import { isClusterFilePath, isSweepFilePath, isTrainerConfigPath } from '../src/protocol/config-files';

const SCRIPT_SUFFIXES = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export type DocumentKind = 'config' | 'sweep' | 'cluster' | 'script' | 'other';

export const isConfigFileName = isTrainerConfigPath;

export function documentKind(name: string): DocumentKind {
  if (isConfigFileName(name)) return 'config';
  if (isSweepFilePath(name)) return 'sweep';
  if (isClusterFilePath(name)) return 'cluster';
  const lower = name.toLowerCase();
  if (lower.endsWith('.d.ts')) return 'other';
  return SCRIPT_SUFFIXES.some((s) => lower.endsWith(s)) ? 'script' : 'other';
}
