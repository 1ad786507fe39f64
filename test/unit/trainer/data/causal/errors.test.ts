/** Causal-LM data: bad rows fail at file:line with what to do; Alpaca and ShareGPT files say which mapping to write. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError } from '../../../../../src/trainer/data';
import { describeCausalData, prepareCausalLmData } from '../../../../../src/trainer/data/causal';
import { TrainerError } from '../../../../../src/trainer/errors';
import { makeConfig } from '../config-helper';

const tokenizers = resolve(import.meta.dirname, '../../../../fixtures/hf/tokenizers');

async function run(name: 'gpt2' | 'llama', lines: unknown[], data: Record<string, unknown> = {}, maxLength = 64, extra: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'fts-causal-'));
  await writeFile(join(dir, 'train.jsonl'), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  for (const [file, text] of Object.entries(extra)) await writeFile(join(dir, file), text);
  await cp(join(tokenizers, name), join(dir, 'tok'), { recursive: true });
  const config = makeConfig({ model: { max_length: maxLength }, data: { train_file: 'train.jsonl', ...data } });
  return prepareCausalLmData(config, dir, { tokenizerDir: join(dir, 'tok') });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected an error');
}

const chat = (...turns: Array<[string, unknown]>) => ({ messages: turns.map(([role, content]) => ({ role, content })) });

test('a messages row with an unknown role fails at its line and column, naming the roles', async () => {
  const error = await failure(run('llama', [chat(['user', 'hi'], ['assistant', 'hello']), chat(['user', 'hi'], ['bot', 'hello'])]));
  assert.ok(error instanceof DataError);
  assert.equal(error.line, 2);
  assert.equal(error.column, 13);
  assert.match(error.message, /train\.jsonl:2:13: message 2 of "messages" has role "bot"; the roles are system, user, assistant, tool/);
});

test('a ShareGPT role inside messages says which name to use', async () => {
  const error = await failure(run('llama', [chat(['human', 'hi'], ['gpt', 'hello'])]));
  assert.match(error.message, /train\.jsonl:1:\d+: .*role "human".*use user for human, assistant for gpt/);
});

test('a message without string content fails at its line', async () => {
  const error = await failure(run('llama', [chat(['user', 'hi'], ['assistant', 'ok']), '', chat(['user', null], ['assistant', 'x'])]));
  assert.ok(error instanceof DataError);
  assert.equal(error.line, 3);
  assert.match(error.message, /message 1 of "messages" \(user\) has content null, expected a string/);
});

test('a missing completion fails at its line', async () => {
  const error = await failure(run('gpt2', [{ prompt: 'a', completion: 'b' }, { prompt: 'c' }]));
  assert.ok(error instanceof DataError);
  assert.equal(error.line, 2);
  assert.match(error.message, /train\.jsonl:2:1: column "completion" is missing, expected a string \(the completion\)/);
});

test('a template that raises fails at the row that made it raise', async () => {
  const template = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system messages') }}{% endif %}{{ m.content }}{% endfor %}";
  const error = await failure(
    run('llama', [chat(['user', 'a'], ['assistant', 'b']), chat(['system', 's'], ['user', 'a'], ['assistant', 'b'])], { chat_template: template }),
  );
  assert.ok(error instanceof DataError);
  assert.equal(error.line, 2);
  assert.match(error.message, /train\.jsonl:2:13: the chat template \(data\.chat_template\) raised: no system messages/);
});

test('a row longer than max_length with truncation off fails at its line; with truncation on it is cut and counted', async () => {
  const rows = [{ text: 'short' }, { text: 'the cat sat on a mat and looked at the moon while dogs ran through quiet gardens' }];
  const error = await failure(run('gpt2', rows, { truncation: false }, 8));
  assert.ok(error instanceof DataError);
  assert.equal(error.line, 2);
  assert.match(error.message, /train\.jsonl:2:1: the row has \d+ tokens, more than max_length 8, and data\.truncation is false/);
  const data = await run('gpt2', rows, {}, 8);
  assert.equal(data.stats.train.truncatedRows, 1);
  assert.equal(data.train.sequence(1).length, 8);
});

test('a tokenizer without a chat template is an error that says what to set, unless data.chat_template gives one', async () => {
  const error = await failure(run('gpt2', [chat(['user', 'hi'], ['assistant', 'hello'])]));
  assert.ok(error instanceof TrainerError);
  assert.match(error.message, /the tokenizer has no chat template .* set data\.chat_template/);
  const template = "{% for m in messages %}{{ m.role + ': ' + m.content + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}";
  const data = await run('gpt2', [chat(['user', 'hi'], ['assistant', 'hello'])], { chat_template: 'chat.jinja' }, 64, { 'chat.jinja': template });
  assert.equal(data.format, 'messages');
  assert.ok(data.stats.train.targetTokens > 0);
});

test('a template that does not render prefix by prefix cannot be masked by turns and says what to do', async () => {
  const template = "{% for m in messages %}{{ m.content }}{% if loop.last %}{{ '!' }}{% endif %}{% endfor %}";
  const error = await failure(run('llama', [chat(['user', 'a'], ['assistant', 'b'])], { chat_template: template }));
  assert.match(error.message, /train\.jsonl:1:13: .*does not render this conversation prefix by prefix at message 2.*\{% generation %\} markers.*assistant_only_loss: false/);
});

test('an Alpaca-shaped file says which mapping to write', async () => {
  const error = await failure(run('gpt2', [{ instruction: 'Add', input: '2 and 4', output: '6' }]));
  assert.ok(error instanceof DataError);
  assert.match(error.message, /train\.jsonl:1:1: this is an Alpaca-style file .*"prompt": instruction .*data\.prompt_column: instruction and data\.completion_column: output/);
});

test('a ShareGPT-shaped file says which mapping to write', async () => {
  const error = await failure(run('llama', [{ conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello' }] }]));
  assert.match(error.message, /train\.jsonl:1:1: this is a ShareGPT-style file .*human → user, gpt → assistant/);
});

test('the format follows the columns, and mapped column names are read', async () => {
  const data = await run('gpt2', [{ question: 'Two plus four?', answer: ' Six.' }], { prompt_column: 'question', completion_column: 'answer' });
  assert.equal(data.format, 'prompt-completion');
  const noColumns = await failure(run('gpt2', [{ body: 'x' }]));
  assert.match(noColumns.message, /no column to train a language model on; the columns are "body"/);
});

test('EOS: not added to text by default, added with append_eos, added to completions by default; no pad token pads with EOS', async () => {
  const plain = await run('gpt2', [{ text: 'the cat' }]);
  const eosId = plain.tokenizer.tokenId('<|endoftext|>');
  assert.notEqual(plain.train.sequence(0).at(-1), eosId);
  const withEos = await run('gpt2', [{ text: 'the cat' }], { append_eos: true });
  assert.equal(withEos.train.sequence(0).at(-1), eosId);
  assert.equal(withEos.train.sequence(0).length, plain.train.sequence(0).length + 1);
  const pair = await run('gpt2', [{ prompt: 'the', completion: ' cat' }]);
  assert.equal(pair.train.sequence(0).at(-1), eosId);
  assert.equal(plain.padId, eosId); // the gpt2 tokenizer has no pad token
});

test('a row with nothing to train on after truncation is dropped and reported, as TRL drops it', async () => {
  const data = await run('gpt2', [{ prompt: 'the cat sat on a mat and looked at the moon', completion: ' yes' }, { prompt: 'a', completion: ' b' }], {}, 4);
  assert.equal(data.stats.train.droppedRows, 1);
  assert.equal(data.train.size, 1);
});

test('the run\'s report says how many tokens are trained on and how many rows were truncated or dropped, per split', async () => {
  const rows = [{ text: 'the cat' }, { text: 'the cat sat on a mat and looked at the moon while dogs ran' }];
  const data = await run('gpt2', rows, {}, 8);
  const lines = describeCausalData(data, { packing: false, packing_strategy: 'bfd' });
  const stats = data.stats.train;
  assert.equal(stats.tokens, data.train.sequence(0).length + 8);
  assert.equal(stats.targetTokens, stats.tokens - 2); // the first token of each sequence is never a target
  assert.equal(data.train.countLabelItems([0, 1]), stats.targetTokens);
  assert.deepEqual(lines.map((l) => l.level), ['info', 'info']);
  assert.match(lines[0].text, new RegExp(`^train: 2 text row\\(s\\) → 2 sequence\\(s\\), ${stats.tokens} tokens, ${stats.targetTokens} of them trained on`));
  assert.match(lines[1].text, /^train: 1 row\(s\) were longer than max_length 8 tokens and were truncated/);
});
