/**
 * examples/tiny-chat/tiny-chat.trainer.yaml, trained briefly (fewer steps, same data and model): eval_loss
 * drops, every evaluation logs the prompts' generations, the answers move toward the training answers, and
 * `finetune-studio generate --chat` on the run folder produces text. The checkpoint and data are made by
 * `.venv/bin/python scripts/make-tiny-chat.py`. The example's backend (wasm) runs it: the cpu backend is ~30x slower here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../../../src/index';
import { loadConfigFile } from '../../../src/cli/config-host';
import type { GenerationsEvent } from '../../../src/protocol/events';
import { MemorySink } from '../../../src/trainer/event-sink';
import { runTraining } from '../../../src/trainer/run';
import { startCli } from '../cli/cli-process';

const EXAMPLE = resolve(__dirname, '../../../examples/tiny-chat');
const STEPS = 50;

/** The training answer to each user question, from the example's training file. */
function trainingAnswers(dir: string): Map<string, string> {
  const answers = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'data/train.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const [user, assistant] = (JSON.parse(line) as { messages: Array<{ content: string }> }).messages;
    answers.set(user.content, assistant.content);
  }
  return answers;
}

/** How many of the answer's words the completion has in the same position (word-level Hamming agreement). */
function agreement(completion: string, answer: string): number {
  const got = completion.trim().split(/\s+/);
  return answer.split(/\s+/).filter((word, i) => got[i] === word).length;
}

test('example tiny-chat trains: eval_loss drops, generations at each evaluation move toward the training answers, generate --chat answers', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'fts-tiny-chat-')), 'tiny-chat');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes(`${join('/', 'runs')}`) });
  const configPath = join(dir, 'tiny-chat.trainer.yaml');
  const loaded = await loadConfigFile(configPath);
  assert.deepEqual(loaded.problems.filter((p) => p.severity !== 'information'), [], 'the example validates clean');

  // A shorter run than the example's (same model, data, learning rate), evaluated three times.
  const yaml = readFileSync(configPath, 'utf8');
  const short = yaml.replace(/eval_steps: \d+/, `eval_steps: ${STEPS / 2}`).replace(/save_strategy: steps/, 'save_strategy: "no"').replace(/\n {2}save_steps: \d+/, '');
  assert.notEqual(short, yaml);
  writeFileSync(configPath, short);
  const sink = new MemorySink();
  const end = await runTraining({ configPath, events: sink, core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf }, maxSteps: STEPS });
  assert.equal(end.status, 'completed', end.error?.message);

  const evals = sink.events.filter((e) => e.type === 'eval');
  assert.deepEqual(evals.map((e) => e.step), [0, STEPS / 2, STEPS]);
  const [before, , after] = evals.map((e) => e.metrics.eval_loss);
  assert.ok(after < before * 0.8, `eval_loss ${before} -> ${after}`);

  const generations = sink.events.filter((e): e is GenerationsEvent => e.type === 'generations');
  assert.deepEqual(generations.map((e) => e.step), [0, STEPS / 2, STEPS], 'one generations event per evaluation');
  const answers = trainingAnswers(dir);
  const score = (event: GenerationsEvent): number =>
    event.samples.reduce((sum, sample) => sum + agreement(sample.completion, answers.get(sample.prompt) ?? assert.fail(`${sample.prompt} is not a training question`)), 0);
  const first = generations[0];
  const last = generations[generations.length - 1];
  assert.deepEqual(first.samples.map((s) => s.prompt), ['What is the capital of Ithborlo?', 'What does Pembor Tenlo like to eat?']);
  assert.ok(score(last) > score(first), `answers before: ${JSON.stringify(first.samples.map((s) => s.completion))}, after: ${JSON.stringify(last.samples.map((s) => s.completion))}`);

  const cli = startCli(['generate', join(dir, 'runs', 'tiny-chat'), '--chat', '--prompt', 'What is the capital of Ithborlo?', '--max-new-tokens', '16']);
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.ok(cli.stdout().trim().length > 0, 'generate printed a completion');
  assert.equal(cli.stdout().trim(), last.samples[0].completion.trim(), 'the CLI answers as the last evaluation did');
});
