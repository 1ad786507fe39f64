/** Reads a `*.cluster.yaml` with the config walker: problems carry file:line:col like any config's. */
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../config/parse';
import { hasErrors, type Problem } from '../../config/problems';
import { applyDefaults, shapeOf } from '../../config/schema-shape';
import { walkConfig } from '../../config/schema-walk';
import { ClusterSchema, type ClusterConfig } from './schema';

export function loadClusterFile(path: string): { cluster?: ClusterConfig; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const at = { line: 0, character: 0 };
    return { problems: [{ file: path, range: { start: at, end: at }, severity: 'error', code: 'FTS005', message: 'cluster file not found or unreadable' }] };
  }
  const parsed = parseConfigText(text, path);
  const schema = shapeOf(ClusterSchema);
  const walk = walkConfig(parsed, schema, [{ path: [], schema }]);
  const problems = [...parsed.problems, ...walk.problems];
  if (hasErrors(problems) || walk.value === undefined) return { problems };
  return { cluster: applyDefaults(schema, walk.value) as ClusterConfig, problems };
}
