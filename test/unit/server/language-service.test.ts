import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LanguageService } from '../../../server/language-service';
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

  it('sees config changes once the index is told (invalidate) or the text changes', () => {
    const svc = service(files);
    assert.equal(svc.workspace.referencesTo('/ws/t.ts').length, 1);
    const edited = service({ ...files, '/ws/a/one.trainer.yaml': 'trainer: ../elsewhere.ts\n' });
    assert.equal(edited.diagnostics({ uri: 'file:///ws/t.ts', text: TRAINER }).length, 0);
  });

  it('leaves other documents alone', () => {
    const svc = service(files);
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/readme.md', text: '# hi' }), []);
    assert.deepEqual(svc.diagnostics({ uri: 'file:///ws/plain.ts', text: 'export const x = 1;' }), []);
    assert.deepEqual(svc.completion({ uri: 'file:///ws/plain.ts', text: 'x.' }, { line: 0, character: 2 }).items, []);
    assert.deepEqual(svc.codeActions({ uri: 'file:///ws/t.ts', text: TRAINER }, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, []), []);
  });
});
