/**
 * The language server logs the bugs it survives (issue 10, design flaw 7): a cross-field rule or
 * the cursor analysis that throws leaves a line in the server log, and the other diagnostics stay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, type ParsedConfig } from '../../../src/config/index';
import { LanguageService } from '../../../server/language-service';
import { createMemoryFiles } from './memory-files';

const CONFIG = 'data:\n  train_file: train.jsonl\ntraining_args:\n  eval_strategy: epoch\n';

function serviceWithLog(files: Record<string, string>, overrides: Partial<ReturnType<typeof createMemoryFiles>> = {}) {
  const logged: string[] = [];
  const service = new LanguageService({
    files: { ...createMemoryFiles(files), ...overrides },
    roots: () => ['/ws'],
    openConfigs: () => [],
    log: { error: (message) => logged.push(message) },
  });
  return { service, logged };
}

describe('bugs caught inside the services', () => {
  it('logs a rule that throws, and still publishes the other diagnostics', () => {
    const { service, logged } = serviceWithLog(
      { '/ws/train.jsonl': '{"text": "a", "label": 0}\n' },
      {
        readTextHead: () => {
          throw new Error('readTextHead exploded');
        },
      },
    );
    const diagnostics = service.diagnostics({ uri: 'file:///ws/x.trainer.yaml', text: CONFIG });
    assert.ok(diagnostics.some((d) => d.code === 'FTS204'), 'FTS204 (no eval file) is still reported');
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^cross-field rule columnsExist on \/ws\/x\.trainer\.yaml failed .*readTextHead exploded/s);
  });

  it('logs a failed cursor analysis and answers no hover', () => {
    const { service, logged } = serviceWithLog({});
    const breakTree = (parsed: ParsedConfig): ParsedConfig => ({ ...parsed, root: { ...(parsed.root as object), properties: null } as unknown as ParsedConfig['root'] });
    service.context.parseConfig = (text, fileName) => breakTree(parseConfigText(text, fileName));
    assert.equal(service.hover({ uri: 'file:///ws/x.trainer.yaml', text: CONFIG }, { line: 0, character: 2 }), undefined);
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^cursor analysis for hover in \/ws\/x\.trainer\.yaml failed .*TypeError/s);
  });

  it('logs nothing for ordinary broken configs', () => {
    const { service, logged } = serviceWithLog({});
    for (const text of ['', 'model', 'data:\n  train_file: [1, 2]\n', 'training_args:\n  eval_strategy: epoch\n', '{{{']) {
      service.diagnostics({ uri: 'file:///ws/x.trainer.yaml', text });
      service.hover({ uri: 'file:///ws/x.trainer.yaml', text }, { line: 0, character: 1 });
      service.completion({ uri: 'file:///ws/x.trainer.yaml', text }, { line: 0, character: 1 });
    }
    assert.deepEqual(logged, []);
  });
});
