/**
 * `finetune-studio generate` as a child process: the streamed text equals transformers' greedy
 * generate on lm-core's tiny Llama (goldens: scripts/make-generation-goldens.py), and bad arguments
 * or folders fail with what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from './cli-process';

const FIXTURES = join(__dirname, '../../fixtures');
const LLAMA = join(FIXTURES, 'hf-lm/llama');
const golden = JSON.parse(readFileSync(join(FIXTURES, 'generation/greedy.json'), 'utf8')) as { models: Record<string, Array<{ prompt: string; text: string; tokens: number[] }>> };

test('generate streams the same greedy text as transformers, and says what it used on stderr', async () => {
  const run = golden.models.llama[0];
  const cli = startCli(['generate', LLAMA, '--prompt', run.prompt, '--max-new-tokens', '20', '--backend', 'cpu']);
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.equal(cli.stdout(), `${run.text}\n`);
  assert.match(cli.stderr(), /model folder; llama on cpu; greedy, up to 20 new tokens/);
  assert.match(cli.stderr(), /20 tokens, max_new_tokens reached/);
});

test('generate refuses what it cannot do, saying why', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['generate', LLAMA], 2, /--prompt is required/],
    [['generate', LLAMA, '--prompt', 'x', '--top-p', '2'], 2, /--top-p needs a number in range, got 2/],
    [['generate', LLAMA, '--prompt', 'x', '--system', 'be brief'], 2, /--system needs --chat/],
    [['generate', join(FIXTURES, 'generation'), '--prompt', 'x', '--backend', 'cpu'], 1, /holds .*greedy\.json.*expected a model folder/],
    [['generate', LLAMA, '--prompt', 'x', '--chat', '--backend', 'cpu'], 1, /no chat_template/],
  ];
  for (const [args, code, message] of cases) {
    const cli = startCli(args);
    assert.equal(await cli.exited, code, args.join(' '));
    assert.match(cli.stderr(), message);
  }
});
