/**
 * Writes the files generated from src/config: the JSON Schema and docs/config.md.
 * Run `npm run generate` after changing the schema; a unit test fails while they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../src/config/docs';
import { JSON_SCHEMA_PATH, renderJsonSchema } from '../src/config/json-schema';
import { CLUSTER_SCHEMA_PATH, SWEEP_DOCS_PATH, SWEEP_SCHEMA_PATH, renderClusterJsonSchema, renderSweepDocs, renderSweepJsonSchema } from '../src/sweep/generated';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

for (const [path, content] of [
  [JSON_SCHEMA_PATH, renderJsonSchema()],
  [CONFIG_DOCS_PATH, renderConfigDocs()],
  [SWEEP_SCHEMA_PATH, renderSweepJsonSchema()],
  [SWEEP_DOCS_PATH, renderSweepDocs()],
  [CLUSTER_SCHEMA_PATH, renderClusterJsonSchema()],
] as const) {
  const target = join(repoRoot, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
