import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../../../src/config/docs';
import { JSON_SCHEMA_PATH, renderJsonSchemaObject, renderJsonSchema } from '../../../src/config/json-schema';
import { RENAMED_HF_KEYS, UNSUPPORTED_HF_KEYS } from '../../../src/config/hf-keys';
import { RULES } from '../../../src/config/rules-table';
import { CLUSTER_SCHEMA_PATH, SWEEP_DOCS_PATH, SWEEP_SCHEMA_PATH, renderClusterJsonSchema, renderSweepDocs, renderSweepJsonSchema } from '../../../src/sweep/generated';

function committed(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

test('generated files are up to date', () => {
  for (const [path, fresh] of [
    [JSON_SCHEMA_PATH, renderJsonSchema()],
    [CONFIG_DOCS_PATH, renderConfigDocs()],
    [SWEEP_SCHEMA_PATH, renderSweepJsonSchema()],
    [SWEEP_DOCS_PATH, renderSweepDocs()],
    [CLUSTER_SCHEMA_PATH, renderClusterJsonSchema()],
  ] as const) {
    assert.ok(committed(path) === fresh, `${path} is stale: run npm run generate`);
  }
});

test('the JSON Schema is draft-07, requires only what has no default, and marks HF keys', () => {
  const schema = renderJsonSchemaObject() as { $schema: string; $id: string; required: string[]; properties: Record<string, { required?: string[]; properties?: Record<string, Record<string, unknown>> }> };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.ok(schema.$id);
  assert.deepEqual(schema.required, ['data']);
  assert.deepEqual(schema.properties.data.required, ['train_file']);
  assert.equal(schema.properties.training_args.required, undefined);
  const args = schema.properties.training_args.properties ?? {};
  for (const { from } of RENAMED_HF_KEYS) assert.match(String(args[from].deprecationMessage), /Renamed/);
  for (const { key } of UNSUPPORTED_HF_KEYS) assert.match(String(args[key].deprecationMessage), /Not supported/);
  assert.ok(Array.isArray(args.fp16.enum) && !(args.fp16.enum as unknown[]).includes(true), 'fp16: true is rejected by plain JSON Schema tools');
  assert.match(String(args.learning_rate.markdownDescription), /learning rate/i);
});

test('the docs list every field, rule, renamed and unsupported key', () => {
  const docs = renderConfigDocs();
  for (const rule of RULES) assert.ok(docs.includes(`| ${rule.code} |`), rule.code);
  for (const { from } of RENAMED_HF_KEYS) assert.ok(docs.includes(`\`${from}\``), from);
  for (const { key } of UNSUPPORTED_HF_KEYS) assert.ok(docs.includes(`| \`${key}\` |`), key);
  for (const key of ['training_args.learning_rate', 'model.num_heads', 'data.train_file', 'loss_kwargs.label_smoothing', 'backend']) {
    assert.ok(docs.includes(`### \`${key}\``), key);
  }
});
