/**
 * examples/tiny-chat/lora.trainer.yaml through the CLI (`finetune-studio train --json`, fewer steps, same
 * model, data and adapters), then `finetune-studio merge` on its run folder: the run saves a CAUSAL_LM
 * PEFT adapter (not the model), eval_loss drops with the base frozen, the merged folder is a
 * LlamaForCausalLM folder that our loader reads with the logits of base + adapter, and that transformers
 * reads with the same logits (when the reference Python is there). The checkpoint and data are made by
 * `.venv/bin/python scripts/make-tiny-chat.py`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfigFile } from '../../../src/cli/config-host';
import { loadGenerator } from '../../../src/trainer/generation/load';
import { resolveModelFolder } from '../../../src/trainer/generation/model-folder';
import type { EvalEvent, RunStartEvent } from '../../../src/protocol/events';
import { loadAdapterInto, readAdapterConfig } from '../../../src/trainer/io/peft-files';
import { loadHfCausalLm } from '../../../src/trainer/models/hf/load-decoder';
import { resolveLora } from '../../../src/trainer/models/hf/peft-config';
import { referencePython, runPython } from '../../support/reference-python';
import { startCli } from '../cli/cli-process';

const EXAMPLE = resolve(__dirname, '../../../examples/tiny-chat');
const STEPS = 30;

test('example tiny-chat/lora.trainer.yaml trains a LoRA adapter through the CLI, and finetune-studio merge makes a folder with the logits of base + adapter', async (t) => {
  await tf.setBackend('cpu');
  const dir = join(mkdtempSync(join(tmpdir(), 'fts-tiny-chat-lora-')), 'tiny-chat');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes(`${join('/', 'runs')}`) });
  const configPath = join(dir, 'lora.trainer.yaml');
  const loaded = await loadConfigFile(configPath);
  assert.deepEqual(loaded.problems.filter((p) => p.severity !== 'information'), [], 'the example validates clean');

  // A shorter run than the example's (same model, data, adapters and learning rate), evaluated at its start and end.
  const yaml = readFileSync(configPath, 'utf8');
  const short = yaml.replace(/eval_steps: \d+/, `eval_steps: ${STEPS}`).replace(/save_strategy: steps/, 'save_strategy: "no"').replace(/\n {2}save_steps: \d+/, '').replace(/\ngeneration:\n(?: {2}.*\n)+/, '\n');
  assert.notEqual(short, yaml);
  writeFileSync(configPath, short);
  const cli = startCli(['train', configPath, '--json', '--max-steps', String(STEPS)]);
  assert.equal(await cli.exited, 0, cli.stderr());
  const start = cli.events.find((e): e is RunStartEvent => e.type === 'runStart');
  assert.ok(start?.model?.adapter, 'runStart names the adapter');
  assert.equal(start.model.adapter.targets.length, 28, 'all-linear: the 7 linears of each of the 4 blocks, not lm_head');
  assert.ok(start.model.trainableParameters < start.model.parameters / 3, `${start.model.trainableParameters} of ${start.model.parameters} trainable`);
  const evals = cli.events.filter((e): e is EvalEvent => e.type === 'eval').map((e) => e.metrics.eval_loss);
  assert.equal(evals.length, 2);
  assert.ok(evals[1] < evals[0] * 0.9, `eval_loss ${evals[0]} -> ${evals[1]}`);

  const runDir = join(dir, 'runs', 'tiny-chat-lora');
  assert.ok(existsSync(join(runDir, 'adapter_model.safetensors')) && !existsSync(join(runDir, 'model.safetensors')), 'the run saves the adapter only');
  const adapterConfig = JSON.parse(readFileSync(join(runDir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(adapterConfig.task_type, 'CAUSAL_LM');

  const merged = join(dir, 'merged');
  const merge = startCli(['merge', runDir, '--out', merged]);
  assert.equal(await merge.exited, 0, merge.stderr());
  assert.match(merge.stderr(), /Merged the LoRA adapter of 28 module\(s\)/);
  const config = JSON.parse(readFileSync(join(merged, 'config.json'), 'utf8')) as { architectures: string[] };
  assert.deepEqual(config.architectures, ['LlamaForCausalLM']);
  for (const file of ['generation_config.json', 'tokenizer.json', 'chat_template.jinja']) assert.ok(existsSync(join(merged, file)), file);

  const rows = [[5, 17, 30, 42, 8, 9, 60], [11, 12, 13]];
  const ids = tf.tensor2d(rows.map((r) => [...r, ...new Array<number>(7 - r.length).fill(0)]), undefined, 'int32');
  const mask = tf.tensor2d(rows.map((r) => [...r.map(() => 1), ...new Array<number>(7 - r.length).fill(0)]), undefined, 'float32');
  const { peft, path } = await readAdapterConfig(runDir);
  const { model: withAdapter } = await loadHfCausalLm(join(dir, 'model'), { lora: resolveLora(peft, 'llama', 'CAUSAL_LM', path) });
  await loadAdapterInto(withAdapter, runDir);
  const { model: mergedModel } = await loadHfCausalLm(merged);
  const { model: base } = await loadHfCausalLm(join(dir, 'model'));
  const logits = async (m: typeof base) => Array.from(await m.forward({ input_ids: ids, attention_mask: mask }).logits.data());
  const [a, b, c] = [await logits(withAdapter), await logits(mergedModel), await logits(base)];
  const diff = (x: number[], y: number[]) => x.reduce((worst, v, i) => Math.max(worst, Math.abs(v - (y[i] as number))), 0);
  t.diagnostic(`max |logit difference|, merged vs base + adapter: ${diff(a, b).toExponential(2)}; the adapter moved the logits by up to ${diff(a, c).toFixed(3)}`);
  assert.ok(diff(a, b) < 1e-5, `merged vs base + adapter: ${diff(a, b)}`);
  assert.ok(diff(a, c) > 1e-2, 'the adapter changed the model');
  [withAdapter, mergedModel, base].forEach((m) => m.dispose());
  tf.dispose([ids, mask]);

  // generate on the run folder (base + adapter) answers as generate on the merged folder.
  const answers: string[] = [];
  for (const folder of [resolveModelFolder(runDir), resolveModelFolder(merged)]) {
    const loaded = await loadGenerator(folder.dir);
    const prompt = loaded.generator.chatPromptIds([{ role: 'user', content: 'What is the capital of Ithborlo?' }]);
    answers.push((await loaded.generator.generate(prompt, loaded.settings({ max_new_tokens: 12, do_sample: false }))).text);
    loaded.generator.model.dispose();
  }
  assert.equal(resolveModelFolder(runDir).how, 'LoRA adapter folder');
  assert.ok((answers[0] ?? '').length > 0);
  assert.equal(answers[0], answers[1], 'the same greedy answer from the adapter and the merged model');

  if (referencePython()) {
    const reference = JSON.parse(runPython(resolve(__dirname, '../trainer/hf-lm/lm_logits.py'), [merged], { input: JSON.stringify({ rows, pad: 0 }) })) as { logits: number[]; architectures: string[] };
    t.diagnostic(`max |logit difference|, merged folder in transformers vs base + adapter here: ${diff(reference.logits, a).toExponential(2)}`);
    assert.ok(diff(reference.logits, a) < 1e-4, `transformers vs ours: ${diff(reference.logits, a)}`);
  }
});
