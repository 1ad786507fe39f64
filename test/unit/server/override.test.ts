import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyzeOverrideSource,
  memberAccessBefore,
  overrideCodeLenses,
  overrideCompletions,
  overrideDiagnostics,
  overrideHover,
} from '../../../server/services/override/service';
import type { TrainerReference } from '../../../server/services/override/references';

const HEADER = `import { Trainer, tf, type Inputs } from 'finetune-studio';\n`;

function trainer(method: string): string {
  return `${HEADER}export default class MyTrainer extends Trainer {\n  ${method}\n}\n`;
}

function ref(steps: number): TrainerReference {
  return { configPath: '/ws/a.trainer.yaml', gradientAccumulationSteps: steps, inputNames: ['input_ids', 'attention_mask'], columns: ['text', 'label'] };
}

function diagnose(text: string, refs: TrainerReference[] = []) {
  return overrideDiagnostics(analyzeOverrideSource(text, '/ws/my_trainer.ts', refs));
}

const GOOD = trainer(`override computeLoss(model, inputs: Inputs, returnOutputs = false, numItemsInBatch?: number) {
    const { labels, ...features } = inputs;
    const outputs = model.forward(features);
    const perItem = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), outputs.logits, undefined, undefined, tf.Reduction.NONE);
    const loss = numItemsInBatch ? tf.div(tf.sum(perItem), numItemsInBatch) : tf.mean(perItem);
    return returnOutputs ? [loss, outputs] : loss;
  }`);

describe('computeLoss override checks', () => {
  it('accepts the documented example without a diagnostic, even with accumulation', () => {
    assert.deepEqual(diagnose(GOOD, [ref(4)]), []);
  });

  it('warns on the signature when numItemsInBatch is missing and accumulation > 1', () => {
    const text = trainer(`override computeLoss(model, inputs, returnOutputs) {
    const outputs = model.forward(inputs);
    const loss = tf.losses.softmaxCrossEntropy(inputs.labels, outputs.logits);
    return returnOutputs ? [loss, outputs] : loss;
  }`);
    const diags = diagnose(text, [ref(4)]);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].code, 'FTS803');
    assert.match(diags[0].message, /gradient_accumulation_steps: 4/);
    // The range covers `computeLoss(model, inputs, returnOutputs)` on line 2.
    assert.deepEqual(diags[0].range, { start: { line: 2, character: 11 }, end: { line: 2, character: 52 } });
    assert.deepEqual(diagnose(text, [ref(1)]), []);
    assert.deepEqual(diagnose(text), []);
  });

  it('flags an unread numItemsInBatch parameter too', () => {
    const text = trainer(`computeLoss(model, inputs, returnOutputs, numItemsInBatch) {
    const out = model.forward(inputs);
    return returnOutputs ? [out.loss, out] : out.loss;
  }`);
    assert.deepEqual(diagnose(text, [ref(2)]).map((d) => d.code), ['FTS803']);
  });

  it('decides the scaling from static acceptsLossKwargs, with the runtime\'s contract (src/trainer/loss-contract)', () => {
    const meanLoss = `computeLoss(model, inputs, returnOutputs) {
    const outputs = model.forward(inputs);
    const loss = tf.losses.softmaxCrossEntropy(inputs.labels, outputs.logits);
    return returnOutputs ? [loss, outputs] : loss;
  }`;
    // Declared false: the Trainer divides by the accumulation steps, so a per-micro-batch mean is right.
    assert.deepEqual(diagnose(trainer(`static override acceptsLossKwargs = false;\n  override ${meanLoss}`), [ref(4)]), []);
    // Inherited from a local base class, as statics are at run time.
    const inherited = `${HEADER}class Base extends Trainer { static override acceptsLossKwargs = false; }\nexport default class My extends Base { ${meanLoss} }`;
    assert.deepEqual(diagnose(inherited, [ref(4)]), []);
    // Declared true: as the HF default, the warning names the declaration.
    const declaredTrue = diagnose(trainer(`static acceptsLossKwargs = true;\n  ${meanLoss}`), [ref(4)]);
    assert.deepEqual(declaredTrue.map((d) => d.code), ['FTS803']);
    assert.match(declaredTrue[0].message, /static acceptsLossKwargs = true/);
    // Declared false but dividing by numItemsInBatch too: scaled down twice.
    const twice = diagnose(trainer(`static acceptsLossKwargs = false;\n  ${GOOD.slice(GOOD.indexOf('override computeLoss'), GOOD.lastIndexOf('}'))}`), [ref(4)]);
    assert.deepEqual(twice.map((d) => d.code), ['FTS803']);
    assert.match(twice[0].message, /scaled down twice/);
    // A value the editor cannot read is left to the runtime.
    assert.deepEqual(diagnose(trainer(`static acceptsLossKwargs = someFlag();\n  ${meanLoss}`), [ref(4)]), []);
  });

  it('accepts computeLoss(...args) without a signature error, as the runtime does', () => {
    const rest = trainer(`override computeLoss(...args) { return super.computeLoss(...args); }`);
    assert.deepEqual(diagnose(rest, [ref(4)]), []);
    const restAfter = trainer(`override computeLoss(model, inputs, ...rest) { return super.computeLoss(model, inputs, ...rest); }`);
    assert.deepEqual(diagnose(restAfter, [ref(4)]), []);
  });

  it('tells a module-level computeLoss (compute_loss_func) to divide by numItemsInBatch itself', () => {
    const fn = `${HEADER}export function computeLoss(outputs, labels) { return tf.losses.softmaxCrossEntropy(labels, outputs.logits); }`;
    const diags = diagnose(fn, [ref(2)]).filter((d) => d.code === 'FTS803');
    assert.equal(diags.length, 1);
    assert.match(diags[0].message, /compute_loss_func/);
  });

  it('reports missing and unread returnOutputs', () => {
    const missing = trainer(`computeLoss(model, inputs) { return model.forward(inputs).loss; }`);
    assert.deepEqual(diagnose(missing).map((d) => d.code), ['FTS802']);
    const unread = trainer(`computeLoss(model, inputs, returnOutputs) { return model.forward(inputs).loss; }`);
    const diags = diagnose(unread);
    assert.deepEqual(diags.map((d) => d.code), ['FTS802']);
    assert.deepEqual(diags[0].range.start, { line: 2, character: 29 });
  });

  it('reports parameters in the wrong order and conflicting types', () => {
    const swapped = trainer(`computeLoss(inputs, model, returnOutputs: boolean) { return returnOutputs ? [inputs.labels, model] : inputs.labels; }`);
    const codes = diagnose(swapped).filter((d) => d.code === 'FTS801');
    assert.equal(codes.length, 2);
    const badType = trainer(`computeLoss(model, inputs, returnOutputs: number) { return returnOutputs ? [inputs.labels, 1] : inputs.labels; }`);
    const diag = diagnose(badType).find((d) => d.code === 'FTS801');
    assert.ok(diag);
    assert.match(diag.message, /`number`/);
    const extra = trainer(`computeLoss(model, inputs, returnOutputs, n, extra: string) { return returnOutputs ? [inputs.labels, n, extra] : inputs.labels; }`);
    assert.deepEqual(diagnose(extra).map((d) => d.code), ['FTS801']);
    const snake = trainer(`computeLoss(model, inputs, return_outputs: boolean, num_items_in_batch?: number | undefined) { return return_outputs ? [inputs.labels, num_items_in_batch] : inputs.labels; }`);
    assert.deepEqual(diagnose(snake), []);
  });

  it('warns when labels are never read, but not when inputs escape', () => {
    const ignored = trainer(`computeLoss(model, inputs, returnOutputs) {
    const out = model.forward({ input_ids: inputs.input_ids, attention_mask: inputs['attention_mask'] });
    return returnOutputs ? [out.logits, out] : tf.mean(out.logits);
  }`);
    assert.deepEqual(diagnose(ignored).map((d) => d.code), ['FTS804']);
    const pattern = trainer(`computeLoss(model, { input_ids }, returnOutputs) { const o = model.forward({ input_ids }); return returnOutputs ? [o.logits, o] : o.logits; }`);
    assert.deepEqual(diagnose(pattern).map((d) => d.code), ['FTS804']);
    const escapes = trainer(`computeLoss(model, inputs, returnOutputs) { return super.computeLoss(model, inputs, returnOutputs); }`);
    assert.deepEqual(diagnose(escapes), []);
    const dynamic = trainer(`computeLoss(model, inputs, returnOutputs) { const k = 'labels'; return returnOutputs ? [inputs[k], 1] : inputs[k]; }`);
    assert.deepEqual(diagnose(dynamic), []);
  });

  it('finds code paths without a return value', () => {
    const ifOnly = trainer(`computeLoss(model, inputs, returnOutputs) {
    if (returnOutputs) { return [inputs.labels, model]; }
  }`);
    const diags = diagnose(ifOnly);
    assert.deepEqual(diags.map((d) => d.code), ['FTS805']);
    assert.deepEqual(diags[0].range.start, { line: 4, character: 2 });
    const bare = trainer(`computeLoss(model, inputs, returnOutputs) { if (!model) return; return returnOutputs ? [inputs.labels, 1] : inputs.labels; }`);
    assert.deepEqual(diagnose(bare).map((d) => d.code), ['FTS805']);
    const complete = trainer(`computeLoss(model, inputs, returnOutputs) {
    try { switch (model.kind) { case 1: return inputs.labels; default: throw new Error('x'); } } finally { tf.dispose([]); }
  }`);
    assert.deepEqual(diagnose(complete).filter((d) => d.code === 'FTS805'), []);
    const loop = trainer(`computeLoss(model, inputs, returnOutputs) { while (true) { if (returnOutputs) return inputs.labels; } }`);
    assert.deepEqual(diagnose(loop).filter((d) => d.code === 'FTS805'), []);
    const loopBreak = trainer(`computeLoss(model, inputs, returnOutputs) { for (;;) { if (returnOutputs) break; return inputs.labels; } }`);
    assert.deepEqual(diagnose(loopBreak).map((d) => d.code), ['FTS805']);
  });

  it('reports obvious tensor leaks only outside tf.tidy', () => {
    const leaky = trainer(`computeLoss(model, inputs, returnOutputs) {
    const unused = tf.zeros([2]);
    tf.add(inputs.labels, 1);
    tf.dispose(inputs.labels);
    const kept = tf.tidy(() => { tf.ones([1]); return tf.mean(inputs.labels); });
    return returnOutputs ? [kept, model] : kept;
  }`);
    const diags = diagnose(leaky);
    assert.deepEqual(diags.map((d) => [d.code, d.range.start.line]), [['FTS806', 3], ['FTS806', 4]]);
  });

  it('ignores classes that do not extend Trainer and files that do not import it', () => {
    assert.deepEqual(diagnose(`class X { computeLoss() {} }`), []);
    assert.deepEqual(diagnose(`import { Trainer } from 'other';\nclass X extends Trainer { computeLoss() {} }`), []);
    // Named by a config, any subclass counts.
    assert.equal(diagnose(`import { Base } from './base';\nexport default class X extends Base { computeLoss(model, inputs) { return inputs.labels; } }`, [ref(1)]).length, 1);
  });

  it('follows local subclasses, namespace imports and module-level computeLoss', () => {
    const chained = `import * as fts from 'finetune-studio';\nclass A extends fts.Trainer {}\nclass B extends A { computeLoss(model, inputs) { return inputs.labels; } }`;
    assert.deepEqual(diagnose(chained).map((d) => d.code), ['FTS802']);
    // A module-level computeLoss is compute_loss_func(outputs, labels, numItemsInBatch), as the Trainer calls it.
    const fn = `${HEADER}export function computeLoss(outputs, labels) { return tf.mean(outputs.logits); }`;
    assert.deepEqual(diagnose(fn).map((d) => d.code), ['FTS804']);
    const good = `${HEADER}export function computeLoss(outputs, labels, numItemsInBatch) { return tf.div(tf.sum(tf.sub(outputs.logits, labels)), numItemsInBatch); }`;
    assert.deepEqual(diagnose(good, [ref(4)]), []);
    const swapped = `${HEADER}export function computeLoss(labels, outputs) { return tf.mean(tf.sub(outputs.logits, labels)); }`;
    assert.deepEqual(diagnose(swapped).map((d) => d.code), ['FTS801', 'FTS801']);
  });
});

describe('override editor features', () => {
  const text = trainer(`override computeLoss(model, inputs, returnOutputs = false) {
    const x = inputs.
    const y = inputs['att
    return returnOutputs ? [x, y] : x;
  }`);

  it('completes inputs. with model inputs, labels and columns', () => {
    const source = analyzeOverrideSource(text, '/ws/t.ts', [ref(1)]);
    const items = overrideCompletions(source, { line: 3, character: 21 });
    assert.deepEqual(items.map((i) => i.label), ['labels', 'input_ids', 'attention_mask', 'text', 'label']);
    const bracket = overrideCompletions(source, { line: 4, character: 25 });
    const att = bracket.find((i) => i.label === 'attention_mask');
    assert.deepEqual(att?.textEdit, { range: { start: { line: 4, character: 22 }, end: { line: 4, character: 25 } }, newText: "attention_mask']" });
    assert.deepEqual(overrideCompletions(source, { line: 5, character: 10 }), []);
  });

  it('recognises member access before the cursor', () => {
    assert.deepEqual(memberAccessBefore('a = inputs?.la', 14), { object: 'inputs', keyStart: 12, quote: undefined });
    assert.deepEqual(memberAccessBefore('inputs[ "x', 10), { object: 'inputs', keyStart: 9, quote: '"' });
    assert.equal(memberAccessBefore('inputs', 6), undefined);
  });

  it('hovers computeLoss with the contract', () => {
    const hover = overrideHover(analyzeOverrideSource(text, '/ws/t.ts', []), { line: 2, character: 15 });
    assert.ok(hover && typeof hover.contents === 'object' && 'value' in hover.contents);
    assert.match(hover.contents.value, /numItemsInBatch/);
    assert.equal(overrideHover(analyzeOverrideSource(text, '/ws/t.ts', []), { line: 99, character: 99 }), undefined);
  });

  it('offers the train lens only when exactly one config references the file', () => {
    assert.equal(overrideCodeLenses(analyzeOverrideSource(text, '/ws/t.ts', [])).length, 0);
    const lenses = overrideCodeLenses(analyzeOverrideSource(text, '/ws/t.ts', [ref(1)]));
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].command?.command, 'finetuneStudio.startTraining');
    assert.deepEqual(lenses[0].command?.arguments, ['file:///ws/a.trainer.yaml']);
    assert.equal(lenses[0].range.start.line, 1);
    assert.equal(overrideCodeLenses(analyzeOverrideSource(text, '/ws/t.ts', [ref(1), { ...ref(1), configPath: '/ws/b.trainer.yaml' }])).length, 0);
  });
});
