/** The result of parsing one config text: the tree, its problems, and position conversion. */
import type { LineIndex, Position } from './position';
import type { Problem } from './problems';
import type { ConfigNode } from './tree';

export type ConfigFormat = 'yaml' | 'json';

export interface ParsedConfig {
  fileName: string;
  format: ConfigFormat;
  text: string;
  /** Undefined for an empty document or when nothing could be parsed. */
  root: ConfigNode | undefined;
  /** Syntax problems (code FTS001..FTS009); validation adds schema and rule problems. */
  problems: Problem[];
  /** Syntax problems not built because the file already had MAX_PROBLEMS_PER_FILE (they are errors). */
  omittedProblems: number;
  positionAt(offset: number): Position;
  offsetAt(position: Position): number;
  /** Line arithmetic for edits and cursor analysis. */
  lines: LineIndex;
}

/** `.json` (any case) is JSON with comments; everything else is YAML. */
export function formatForFileName(fileName: string): ConfigFormat {
  return /\.json$/i.test(fileName) ? 'json' : 'yaml';
}
