/**
 * Robustness: thousands of mutated configs and override modules (deleted, inserted and
 * duplicated characters and lines, random bytes, truncation, deep nesting) through every
 * feature. No exception may escape, and every range returned must lie inside the document.
 * Seeded, so a failure names the seed and input that reproduce it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Position, Range } from 'vscode-languageserver';
import { createLineIndex } from '../../../src/config/index';
import { LanguageService, type TextSnapshot } from '../../../server/language-service';
import { createMemoryFiles } from './memory-files';
import { mulberry32 as rng } from '../../../src/trainer/random';

const FIXTURES = join(import.meta.dirname, '../../fixtures/server');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const WORKSPACE = {
  '/ws/data/train.jsonl': read('data/train.jsonl'),
  '/ws/data/valid.jsonl': read('data/valid.jsonl'),
  '/ws/data/iris.csv': read('data/iris.csv'),
  '/ws/my_trainer.ts': read('my_trainer.ts.txt'),
  '/ws/accum_trainer.ts': read('override-ws/accum_trainer.ts.txt'),
  '/ws/accum.trainer.yaml': read('override-ws/accum.trainer.yaml').replace('output_dir: runs/accum', 'output_dir: runs/sentiment'),
  '/ws/runs/sentiment/checkpoint-3/trainer_state.json': '{}',
};

const CONFIGS: [uri: string, text: string][] = [
  ['file:///ws/sentiment.trainer.yaml', read('sentiment.trainer.yaml')],
  ['file:///ws/broken.trainer.yaml', read('broken.trainer.yaml')],
  ['file:///ws/tabular.trainer.json', read('tabular.trainer.json')],
  ['file:///ws/accum.trainer.yaml', WORKSPACE['/ws/accum.trainer.yaml']],
];
const SCRIPTS: [uri: string, text: string][] = [
  ['file:///ws/my_trainer.ts', WORKSPACE['/ws/my_trainer.ts']],
  ['file:///ws/accum_trainer.ts', WORKSPACE['/ws/accum_trainer.ts']],
  [
    'file:///ws/flow.js',
    `import * as fts from 'finetune-studio';\nimport * as tf from '@tensorflow/tfjs';\nexport class A extends fts.Trainer {\n  computeLoss = (model, { labels, ...rest }, returnOutputs) => {\n    for (;;) { if (!labels) break; switch (rest.k) { case 1: return tf.mean(labels); default: continue; } }\n    tf.zeros([1]);\n    try { return returnOutputs ? [tf.sum(labels), model] : tf.sum(labels); } finally { tf.dispose(rest); }\n  };\n}\nexport function computeLoss(m, i) { label: while (true) { if (i) break label; } }\n`,
  ],
];


const SPECIALS = [':', ' ', '\n', '\t', '-', '#', '"', "'", '{', '}', '[', ']', ',', '.', '(', ')', ';', '=', '>', '&', '*', '!', '|', '\\', '/', '`', '$', '\r', '\0', '\u2028', '\ud800', '😀', 'é', 'a', '1'];

type Mutation = (text: string, random: () => number) => string;

const at = (text: string, random: () => number) => Math.floor(random() * (text.length + 1));
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

const MUTATIONS: Mutation[] = [
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + t.slice(i + 1 + Math.floor(r() * 4));
  },
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(SPECIALS, r) + t.slice(i);
  },
  (t, r) => {
    const i = at(t, r);
    const n = 1 + Math.floor(r() * 20);
    return t.slice(0, i) + t.slice(i, i + n) + t.slice(i);
  },
  (t, r) => {
    const lines = t.split('\n');
    lines.splice(Math.floor(r() * lines.length), 1);
    return lines.join('\n');
  },
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    lines.splice(i, 0, lines[i]);
    return lines.join('\n');
  },
  (t, r) => {
    const lines = t.split('\n');
    const i = Math.floor(r() * lines.length);
    const j = Math.floor(r() * lines.length);
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  },
  (t, r) => t.slice(0, at(t, r)),
  (t, r) => {
    const i = at(t, r);
    const bytes = Array.from({ length: 1 + Math.floor(r() * 12) }, () => String.fromCharCode(Math.floor(r() * 0x10000)));
    return t.slice(0, i) + bytes.join('') + t.slice(i);
  },
  (t, r) => {
    const i = at(t, r);
    const lines = t.split('\n');
    const line = lines[Math.floor(r() * lines.length)];
    return t.slice(0, i) + line.replace(/^\s*/, ' '.repeat(Math.floor(r() * 12))) + '\n' + t.slice(i);
  },
  // Deep nesting: flow collections, indentation staircases, parentheses and braces.
  (t, r) => {
    const depth = 50 + Math.floor(r() * 1000);
    const opener = pick(['[', '{', '(', '{"a":', 'a:\n', '- '], r);
    const i = at(t, r);
    return t.slice(0, i) + opener.repeat(depth) + t.slice(i);
  },
  (t, r) => {
    const depth = 20 + Math.floor(r() * 200);
    const stairs = Array.from({ length: depth }, (_, d) => `${' '.repeat(d * 2)}k${d}:`).join('\n');
    return r() < 0.5 ? `${stairs}\n${t}` : `${t}\n${stairs}`;
  },
];

function mutate(text: string, random: () => number): string {
  let result = text;
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) result = pick(MUTATIONS, random)(result, random);
  return result;
}

function assertRangeInside(range: Range, lineCount: number, what: string): void {
  for (const p of [range.start, range.end]) {
    assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0, `${what}: bad position ${JSON.stringify(p)}`);
    assert.ok(p.line < lineCount, `${what}: line ${p.line} beyond ${lineCount} lines`);
  }
  assert.ok(range.start.line < range.end.line || (range.start.line === range.end.line && range.start.character <= range.end.character), `${what}: reversed range`);
}

function randomPosition(text: string, random: () => number): Position {
  const index = createLineIndex(text);
  if (random() < 0.05) return { line: index.lineCount + 3, character: 7 }; // a stale position past the end
  return index.positionAt(Math.floor(random() * (text.length + 1)));
}

/** Every feature on one document; returns the number of requests made. */
function exercise(service: LanguageService, doc: TextSnapshot, random: () => number): void {
  const lineCount = createLineIndex(doc.text).lineCount;
  const diagnostics = service.diagnostics(doc);
  for (const d of diagnostics) assertRangeInside(d.range, lineCount, `diagnostic ${String(d.code)}`);
  for (let i = 0; i < 2; i++) {
    const list = service.completion(doc, randomPosition(doc.text, random));
    for (const item of list.items) if (item.textEdit && 'range' in item.textEdit) assertRangeInside(item.textEdit.range, lineCount, `completion ${item.label}`);
  }
  const hover = service.hover(doc, randomPosition(doc.text, random));
  if (hover?.range) assertRangeInside(hover.range, lineCount, 'hover');
  const whole = { start: { line: 0, character: 0 }, end: { line: lineCount, character: 0 } };
  for (const action of service.codeActions(doc, whole, diagnostics)) {
    for (const edit of action.edit?.changes?.[doc.uri] ?? []) assertRangeInside(edit.range, lineCount, `fix ${action.title}`);
  }
  const symbols = service.symbols(doc);
  for (const s of symbols) assertRangeInside(s.range, lineCount, `symbol ${s.name}`);
  for (const lens of service.codeLenses(doc)) assertRangeInside(lens.range, lineCount, 'lens');
}

function runFuzz(sources: [string, string][], count: number, seed: number): number {
  const random = rng(seed);
  const service = new LanguageService({ files: createMemoryFiles(WORKSPACE), roots: () => ['/ws'], openConfigs: () => [] });
  let done = 0;
  for (let n = 0; n < count; n++) {
    const [uri, original] = sources[n % sources.length];
    const text = mutate(original, random);
    try {
      exercise(service, { uri, text }, random);
    } catch (error) {
      const sample = JSON.stringify(text.length > 2000 ? `${text.slice(0, 2000)}…` : text);
      throw new Error(`seed ${seed}, input ${n} (${uri}) failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\ninput: ${sample}`);
    }
    done++;
  }
  return done;
}

const SEED = Number(process.env.FTS_FUZZ_SEED ?? 20240611);

describe('fuzzing every language feature', () => {
  it('survives 3,500 mutated configs', () => {
    assert.equal(runFuzz(CONFIGS, 3500, SEED), 3500);
  });
  it('survives 2,000 mutated override modules', () => {
    assert.equal(runFuzz(SCRIPTS, 2000, SEED + 1), 2000);
  });
});
