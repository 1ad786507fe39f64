import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LanguageService } from '../../../server/language-service';
import type { FileAccess } from '../../../server/files';
import { createMemoryFiles } from './memory-files';

const TRAINER = `import { Trainer } from 'finetune-studio';
export default class T extends Trainer {
  computeLoss(model, inputs, returnOutputs) {
    const out = model.forward(inputs);
    return returnOutputs ? [out.loss, out] : out.loss;
  }
}
`;

function service(files: Record<string, string>) {
  return new LanguageService({ files: createMemoryFiles(files), roots: () => ['/ws'], openConfigs: () => [] });
}

describe('LanguageService routing and the workspace index', () => {
  const files = {
    '/ws/a/one.trainer.yaml': 'trainer: ../t.ts\nmodel:\n  architecture: mlp\ndata:\n  train_file: ../d.csv\ntraining_args:\n  gradient_accumulation_steps: 8\n',
    '/ws/b/two.trainer.json': '{"trainer": "./other.ts"}',
    '/ws/node_modules/x/skip.trainer.yaml': 'trainer: ../../t.ts\n',
    '/ws/d.csv': 'f1,f2,y\n1,2,0\n',
    '/ws/t.ts': TRAINER,
  };

  it('finds the configs that name a module, skipping node_modules', () => {
    const svc = service(files);
    assert.deepEqual(svc.workspace.configPaths(), ['/ws/a/one.trainer.yaml', '/ws/b/two.trainer.json']);
    const refs = svc.workspace.referencesTo('/ws/t.ts');
    assert.deepEqual(refs, [{ configPath: '/ws/a/one.trainer.yaml', gradientAccumulationSteps: 8, inputNames: ['features'], columns: ['f1', 'f2', 'y'] }]);
  });

  it('routes a referenced module to the override checks with the config facts', () => {
    const svc = service(files);
    const diags = svc.diagnostics({ uri: 'file:///ws/t.ts', text: TRAINER });
    assert.deepEqual(diags.map((d) => d.code), ['FTS803']);
    assert.match(diags[0].message, /one\.trainer\.yaml sets training_args\.gradient_accumulation_steps: 8/);
    const lenses = svc.codeLenses({ uri: 'file:///ws/t.ts', text: TRAINER });
    assert.equal(lenses.length, 1);
  });

  it('keeps its index until told (invalidate), then sees the changed config', () => {
    // One service over files that change underneath it, as the disk does between watcher events.
    let current = createMemoryFiles(files);
    const changing: FileAccess = {
      readText: (p) => current.readText(p),
      readTextHead: (p, n) => current.readTextHead(p, n),
      stat: (p) => current.stat(p),
      listDirectory: (p) => current.listDirectory(p),
    };
    const svc = new LanguageService({ files: changing, roots: () => ['/ws'], openConfigs: () => [] });
    assert.equal(svc.workspace.referencesTo('/ws/t.ts').length, 1);
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/t.ts', text: TRAINER }).map((d) => d.code), ['FTS803']);

    current = createMemoryFiles({ ...files, '/ws/a/one.trainer.yaml': 'trainer: ../elsewhere.ts\n', '/ws/c/three.trainer.yaml': 'trainer: ../t.ts\n' });
    // The folder scan is cached until invalidated: the new config is not seen yet (a known
    // config's own facts are re-read when its size or mtime changes).
    assert.deepEqual(svc.workspace.configPaths(), ['/ws/a/one.trainer.yaml', '/ws/b/two.trainer.json']);
    assert.deepEqual(svc.workspace.referencesTo('/ws/t.ts'), []);

    svc.workspace.invalidate();
    assert.deepEqual(svc.workspace.configPaths(), ['/ws/a/one.trainer.yaml', '/ws/b/two.trainer.json', '/ws/c/three.trainer.yaml']);
    assert.deepEqual(svc.workspace.referencesTo('/ws/t.ts').map((r) => r.configPath), ['/ws/c/three.trainer.yaml']);
    // three.trainer.yaml has no gradient accumulation: the FTS803 warning is gone.
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/t.ts', text: TRAINER }), []);
  });

  it('leaves other documents alone', () => {
    const svc = service(files);
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/readme.md', text: '# hi' }), []);
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/plain.ts', text: 'export const x = 1;' }), []);
    assert.deepEqual(svc.completion({ uri: 'file:///ws/plain.ts', text: 'x.' }, { line: 0, character: 2 }).items, []);
    assert.deepEqual(svc.codeActions({ uri: 'file:///ws/t.ts', text: TRAINER }, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, []), []);
  });
});
