import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../../../src/config/parse';
import { getPathAtOffset } from '../../../src/config/path-at-offset';
import { validateParsedConfig } from '../../../src/config/validate';
import { applyEdits } from '../../../src/config/edits';
import { toPlainValue } from '../../../src/config/tree';
import { memoryHost, DEFAULT_FILES } from './helpers';
import { mulberry32 as random } from '../../../src/trainer/random';


const PIECES = [':', ' ', '  ', '\n', '\r\n', '\t', '-', '- ', '[', ']', '{', '}', ',', '"', "'", '#', '&a', '*a', '!!str', '|', '>', '?', '0', '1e-4', '-1', 'null', 'true', 'yes', 'steps', 'epoch', 'learning_rte', 'fp16', 'evaluation_strategy', '\u0000', '\ud800', 'ü'];

function mutate(text: string, next: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const at = Math.floor(next() * (text.length + 1));
  const lines = text.split('\n');
  switch (Math.floor(next() * 6)) {
    case 0:
      return text.slice(0, at) + pick(PIECES) + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 12));
    case 2: {
      const i = Math.floor(next() * lines.length);
      lines.splice(i, 0, lines[Math.floor(next() * lines.length)]);
      return lines.join('\n');
    }
    case 3: {
      const i = Math.floor(next() * lines.length);
      lines[i] = ' '.repeat(Math.floor(next() * 6)) + lines[i].trimStart();
      return lines.join('\n');
    }
    case 4: {
      const i = Math.floor(next() * lines.length);
      const j = Math.floor(next() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    default:
      return text.slice(0, at);
  }
}

function exercise(text: string, fileName: string, next: () => number): void {
  const parsed = parseConfigText(text, fileName);
  const { problems } = validateParsedConfig(parsed, memoryHost(DEFAULT_FILES));
  toPlainValue(parsed.root);
  for (const problem of problems) {
    const start = parsed.offsetAt(problem.range.start);
    const end = parsed.offsetAt(problem.range.end);
    assert.ok(start >= 0 && start <= end && end <= text.length, `bad range in ${problem.code}: ${JSON.stringify(problem.range)}`);
    if (problem.fix) applyEdits(text, problem.fix.edits, (p) => parsed.offsetAt(p));
  }
  for (let k = 0; k < 4; k++) getPathAtOffset(parsed, Math.floor(next() * (text.length + 1)));
}

test('random mutations of valid configs never throw in parse, validate, fixes or getPathAtOffset', () => {
  const yaml = readFileSync('test/fixtures/config/valid.trainer.yaml', 'utf8');
  const json = JSON.stringify(toPlainValue(parseConfigText(yaml, 'x.yaml').root), null, 2);
  const next = random(20240601);
  for (let i = 0; i < 300; i++) {
    const [base, fileName] = i % 3 === 2 ? [json, '/proj/x.trainer.json'] : [yaml, '/proj/x.trainer.yaml'];
    let text = base;
    const rounds = 1 + Math.floor(next() * 4);
    for (let r = 0; r < rounds; r++) text = mutate(text, next);
    try {
      exercise(text, fileName, next);
    } catch (error) {
      assert.fail(`mutation ${i} (${fileName}) threw: ${error instanceof Error ? error.stack : String(error)}\n--- text ---\n${text}`);
    }
  }
});
