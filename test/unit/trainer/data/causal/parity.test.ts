/**
 * Causal-LM data against the real Python libraries. The goldens in test/fixtures/hf/tokenizers/golden.json
 * come from `.venv/bin/python scripts/make-tokenizer-fixtures.py`: transformers' tokenizer(text) and
 * apply_chat_template, and trl's SFTTrainer._prepare_dataset (its own code path) for labels and packing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareCausalLmData, ChatTemplate } from '../../../../../src/trainer/data/causal';
import { HfTokenizer, loadTokenizer } from '../../../../../src/trainer/tokenizer';
import { IGNORE_INDEX } from '../../../../../src/trainer/data';
import { makeConfig } from '../config-helper';

const dir = resolve(import.meta.dirname, '../../../../fixtures/hf/tokenizers');
const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8'));
const TOKENIZERS = ['gpt2', 'llama'] as const;
const texts = readFileSync(join(dir, 'text.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).text as string);
const conversations = readFileSync(join(dir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).messages);

interface Sft {
  input_ids: number[][];
  labels: number[][];
  seq_lengths?: number[][];
  position_ids?: number[][];
}

async function tokenizer(name: string): Promise<HfTokenizer> {
  const tok = await loadTokenizer(join(dir, name));
  assert.ok(tok instanceof HfTokenizer);
  return tok;
}

async function prepared(name: string, file: string, data: Record<string, unknown>, maxLength: number) {
  const config = makeConfig({ model: { max_length: maxLength }, data: { train_file: file, ...data } });
  return prepareCausalLmData(config, dir, { tokenizerDir: join(dir, name) });
}

function sequences(data: Awaited<ReturnType<typeof prepared>>): { ids: number[][]; labels: number[][]; positions?: number[][] } {
  const batch = data.train.batch(Array.from({ length: data.train.size }, (_, i) => i));
  const width = batch.input_ids.shape[1] as number;
  const ids = batch.input_ids.arraySync() as number[][];
  const labels = batch.labels?.arraySync() as number[][];
  const mask = batch.attention_mask.arraySync() as number[][];
  const positions = batch.position_ids?.arraySync() as number[][] | undefined;
  for (const t of Object.values(batch)) t.dispose();
  const lengths = mask.map((row) => row.reduce((a, b) => a + b, 0));
  assert.ok(lengths.every((n) => n <= width));
  return {
    ids: ids.map((row, i) => row.slice(0, lengths[i])),
    labels: labels.map((row, i) => row.slice(0, lengths[i])),
    ...(positions ? { positions: positions.map((row, i) => row.slice(0, lengths[i])) } : {}),
  };
}

for (const name of TOKENIZERS) {
  test(`${name}: token ids equal transformers' tokenizer(text), with and without EOS`, async () => {
    const tok = await tokenizer(name);
    assert.deepEqual(texts.map((t) => tok.encodeIds(t)), golden[name].text);
    const eos = tok.specialToken('eos_token') as string;
    assert.deepEqual(texts.map((t) => tok.encodeIds(t.endsWith(eos) ? t : t + eos)), golden[name].text_eos);
  });

  test(`${name}: text rows with append_eos and truncation equal TRL's SFTTrainer rows`, async () => {
    const data = await prepared(name, 'text.jsonl', { append_eos: true }, 16);
    const sft: Sft = golden[name].sft_text;
    const got = sequences(data);
    assert.deepEqual(got.ids, sft.input_ids);
    assert.deepEqual(got.labels, sft.labels);
    const longer = golden[name].text_eos.filter((ids: number[]) => ids.length > 16).length;
    assert.equal(data.stats.train.truncatedRows, longer);
    assert.ok(longer > 0);
  });

  for (const strategy of ['bfd', 'wrapped'] as const) {
    test(`${name}: packing ${strategy} gives TRL's blocks`, async () => {
      const data = await prepared(name, 'text.jsonl', { append_eos: true, packing: true, packing_strategy: strategy }, 24);
      const sft: Sft = golden[name][`sft_text_packed_${strategy}`];
      const got = sequences(data);
      assert.deepEqual(got.ids, sft.input_ids);
      if (strategy === 'bfd') {
        assert.deepEqual(got.positions, sft.position_ids);
        // TRL's padding-free collator masks each row's first token (labels[position_ids == 0] = -100).
        const expected = sft.labels.map((row, b) => row.map((label, t) => ((sft.position_ids as number[][])[b][t] === 0 ? IGNORE_INDEX : label)));
        assert.deepEqual(got.labels, expected);
      } else {
        assert.deepEqual(got.labels, sft.labels);
        assert.equal(got.positions, undefined);
      }
    });
  }

  test(`${name}: prompt-completion labels equal TRL's completion_only_loss, and the full loss when off`, async () => {
    const only = sequences(await prepared(name, 'prompt-completion.jsonl', {}, 24));
    assert.deepEqual(only.ids, golden[name].sft_prompt_completion.input_ids);
    assert.deepEqual(only.labels, golden[name].sft_prompt_completion.labels);
    const full = sequences(await prepared(name, 'prompt-completion.jsonl', { completion_only_loss: false }, 24));
    assert.deepEqual(full.labels, golden[name].sft_prompt_completion_full_loss.labels);
  });
}

test('llama: chat-template rendering equals tokenizer.apply_chat_template', async () => {
  const tok = await tokenizer('llama');
  const template = new ChatTemplate(tok.chatTemplate as string, 'llama', tok.specialTokensMap);
  assert.deepEqual(conversations.map((m) => template.render(m, false).text), golden.llama.chat.rendered);
  assert.deepEqual(conversations.map((m) => template.render(m.slice(0, -1), true).text), golden.llama.chat.generation_prompt);
  assert.deepEqual(conversations.map((m) => tok.encodeIds(template.render(m, false).text, false)), golden.llama.chat.ids);
});

test('llama: the assistant-only mask from prefix renders equals TRL\'s assistant_only_loss mask', async () => {
  const got = sequences(await prepared('llama', 'messages.jsonl', {}, 128));
  assert.deepEqual(got.ids, golden.llama.sft_messages_assistant_only.input_ids);
  assert.deepEqual(got.labels, golden.llama.sft_messages_assistant_only.labels);
  const full = sequences(await prepared('llama', 'messages.jsonl', { assistant_only_loss: false }, 128));
  assert.deepEqual(full.labels, golden.llama.sft_messages_full_loss.labels);
});

test('llama: a template with {% generation %} markers (data.chat_template) renders and masks as transformers and TRL', async () => {
  const data = await prepared('llama', 'messages.jsonl', { chat_template: 'qwen2_5_training.jinja' }, 128);
  const tok = data.tokenizer;
  const template = new ChatTemplate(readFileSync(join(dir, 'qwen2_5_training.jinja'), 'utf8'), 'qwen', tok.specialTokensMap);
  assert.deepEqual(conversations.map((m) => template.render(m, false).text), golden.llama.marked_template_rendered);
  const got = sequences(data);
  assert.deepEqual(got.ids, golden.llama.sft_messages_marked_template.input_ids);
  assert.deepEqual(got.labels, golden.llama.sft_messages_marked_template.labels);
});

test('llama: Qwen2.5\'s template without markers: prefix renders mask what TRL\'s swapped-in training template masks, but the newline after <|im_start|>assistant', async () => {
  const data = await prepared('llama', 'messages.jsonl', { chat_template: 'qwen2_5.jinja' }, 128);
  const got = sequences(data);
  const trl: Sft = golden.llama.sft_messages_qwen2_5;
  assert.deepEqual(got.ids, trl.input_ids);
  const newline = data.tokenizer.encodeIds('assistant\n', false).slice(-1);
  let differences = 0;
  trl.labels.forEach((row, b) =>
    row.forEach((label, t) => {
      if (label === got.labels[b][t]) return;
      differences++;
      // TRL's marked span opens before the newline that ends the generation prompt; prefix renders start after it.
      assert.equal(label, newline[0]);
      assert.equal(got.labels[b][t], IGNORE_INDEX);
      assert.equal(got.labels[b][t + 1] !== IGNORE_INDEX || t + 1 === row.length, true);
    }),
  );
  const assistantTurns = conversations.map((m) => m.filter((x: { role: string }) => x.role === 'assistant').length);
  assert.ok(differences > 0 && differences <= assistantTurns.reduce((a: number, b: number) => a + b, 0));
});
