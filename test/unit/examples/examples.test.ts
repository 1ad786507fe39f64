import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../src/index';
import { loadConfigFile } from '../../../src/cli/config-host';
import { MemorySink } from '../../../src/trainer/event-sink';
import { runTraining } from '../../../src/trainer/run';

const EXAMPLES = resolve(__dirname, '../../../examples');
const examples = readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

test('the shipped examples are the six the README promises', () => {
  assert.deepEqual(examples.sort(), ['bert-classifier', 'custom-loss', 'focal-loss', 'sentiment', 'tabular', 'tiny-chat']);
});

// tiny-chat is a language model (no accuracy): tiny-chat-example.test.ts trains it.
for (const name of examples.filter((e) => e !== 'tiny-chat')) {
  test(`example ${name}: validates clean and trains to a clearly better-than-chance eval accuracy`, async () => {
    // A copy, so the test never touches the example's own runs/ folder.
    const dir = mkdtempSync(join(tmpdir(), `fts-example-${name}-`));
    cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => !src.includes(`${join('/', 'runs')}`) });
    const configPath = join(dir, name, `${name}.trainer.yaml`);
    const loaded = await loadConfigFile(configPath);
    assert.deepEqual(loaded.problems.filter((p) => p.severity !== 'information'), [], 'no errors or warnings');

    const sink = new MemorySink();
    const end = await runTraining({ configPath, events: sink, core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf } });
    assert.equal(end.status, 'completed', end.error?.message);
    const evals = sink.events.filter((e) => e.type === 'eval');
    const last = evals.at(-1);
    assert.ok(last?.type === 'eval');
    const classes = (loaded.config?.model.num_labels ?? 2);
    const chance = 1 / classes;
    assert.ok(last.metrics.eval_accuracy > Math.max(0.8, chance + 0.25), `eval_accuracy ${last.metrics.eval_accuracy}`);
  });
}
