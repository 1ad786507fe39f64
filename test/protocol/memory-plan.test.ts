/**
 * The memory plan in the editor, over stdio: a hover on `model` shows the plan from config.json's
 * sizes (the bert-base-shaped folder here has no weights, so none can be read); a plan over the
 * backend's limit is FTS235 with each way to fit as a quick fix that edits the config. The suite's
 * server plans for the pure-wasm kernels (FTS_NATIVE=0); the last test starts one that finds the
 * native addon, whose fused kernels keep fewer activations.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent, TextEdit } from 'vscode-languageserver-protocol/node';
import { applyEdits, createLineIndex } from '../../src/config/index';
import { pathToUri } from '../../server/uri';
import { blasAddonPresent } from '../../src/trainer/backends/blas-addon';
import { LspTestClient, copyFixtures } from './lsp-client';

const HF_FIXTURES = resolve(__dirname, '..', 'fixtures', 'hf');

function apply(text: string, edits: readonly TextEdit[]): string {
  const index = createLineIndex(text);
  return applyEdits(text, edits, (p) => index.offsetAt(p));
}

describe('memory plan in the language server', () => {
  let root: string;
  let client: LspTestClient;
  let version = 0;
  const uri = () => pathToUri(join(root, 'plan.trainer.yaml'));

  before(async () => {
    root = copyFixtures();
    cpSync(join(HF_FIXTURES, 'bert'), join(root, 'bert'), { recursive: true });
    mkdirSync(join(root, 'bert-base'));
    writeFileSync(
      join(root, 'bert-base', 'config.json'),
      JSON.stringify({ model_type: 'bert', vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512 }),
    );
    // A Llama-shaped decoder (150.6M parameters, untied lm_head, 3 kv heads), config.json only.
    mkdirSync(join(root, 'llama-shaped'));
    writeFileSync(
      join(root, 'llama-shaped', 'config.json'),
      JSON.stringify({ model_type: 'llama', hidden_size: 768, intermediate_size: 2112, num_hidden_layers: 16, num_attention_heads: 12, num_key_value_heads: 3, vocab_size: 32000, max_position_embeddings: 2048 }),
    );
    client = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 }, env: { FTS_NATIVE: '0' } });
  });

  after(async () => {
    await client.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function diagnose(text: string) {
    version = version === 0 ? await client.open(uri(), 'yaml', text) : await client.change(uri(), text);
    return (await client.diagnosticsForVersion(uri(), version)).diagnostics;
  }

  const config = (folder: string, batch: number, maxLength = 128) =>
    ['model:', `  from_pretrained: ${folder}`, `  max_length: ${maxLength}`, 'data:', '  train_file: data/train.jsonl', 'backend: wasm', 'training_args:', '  output_dir: out', `  per_device_train_batch_size: ${batch}`, ''].join('\n');

  it('hovers `model` with the plan of a checkpoint that fits', async () => {
    const diagnostics = await diagnose(config('bert', 8, 32));
    assert.equal(diagnostics.find((d) => d.code === 'FTS235'), undefined);
    const hover = await client.hover(uri(), { line: 0, character: 2 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*Memory plan\*\* \(one training step\): weights 0\.00 GB, grads 0\.00, Adam 0\.00, activations ≈ \d\.\d\d at batch 8 × 32: \d\.\d\d GB of 4 GiB \(wasm\)/);
    assert.match(value, /Fits\./);
    assert.match(value, /activations of the pure wasm kernels/);
  });

  it('bert-base at batch 8 × 128 on wasm: the hover says it does not fit, FTS235 offers a smaller batch and another backend, and the batch fix fits', async () => {
    let text = config('bert-base', 8);
    const diagnostics = await diagnose(text);
    const warning = diagnostics.find((d) => d.code === 'FTS235');
    assert.ok(warning, JSON.stringify(diagnostics.map((d) => d.code)));
    assert.equal(warning.severity, 2, 'a warning');
    assert.deepEqual(warning.range, { start: { line: 1, character: 19 }, end: { line: 1, character: 28 } });
    assert.match(warning.message, /weights 0\.44 GB, grads 0\.44, Adam 0\.88, activations ≈ \d+\.\d\d at batch 8 × 128: \d+\.\d\d GB of 4 GiB \(wasm\)/);
    assert.match(warning.message, /What would fit: per_device_train_batch_size: 2 with gradient_accumulation_steps: 4/);

    const hover = await client.hover(uri(), { line: 0, character: 2 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /weights 0\.44 GB, grads 0\.44, Adam 0\.88/);
    assert.match(value, /Does not fit; the run will refuse to start/);

    const actions = await client.codeActions(uri(), warning);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.some((t) => /^Use per_device_train_batch_size 2 with gradient_accumulation_steps 4 \([\d.]+ GB of 4 GiB \(wasm\)\)$/.test(t)), titles.join('\n'));
    assert.ok(titles.some((t) => /^Use backend: cpu \(/.test(t)), titles.join('\n'));
    assert.ok(!titles.some((t) => /gradient_checkpointing/.test(t)), 'encoders do not checkpoint');

    const backend = actions.find((a) => a.title.startsWith('Use backend: cpu'));
    assert.match(apply(text, backend?.edit?.changes?.[uri()] ?? []), /^backend: cpu$/m);

    const batch = actions.find((a) => a.title.startsWith('Use per_device_train_batch_size'));
    text = apply(text, batch?.edit?.changes?.[uri()] ?? []);
    assert.match(text, / {2}per_device_train_batch_size: 2\n {2}gradient_accumulation_steps: 4\n/);
    const after = await diagnose(text);
    assert.equal(after.find((d) => d.code === 'FTS235'), undefined, 'the fix fits');
    // 3.80 GB fits the 4 GiB heap, but on pure wasm the heap holds up to 1.55 × the live bytes.
    const fixed = await client.hover(uri(), { line: 0, character: 2 });
    assert.match((fixed?.contents as MarkupContent).value, /Fits, but about 3\.80 GB may still not fit: the pure wasm kernels/);
  });

  it('ignore_memory_plan: true silences FTS235', async () => {
    const diagnostics = await diagnose(config('bert-base', 8).replace('backend: wasm', 'backend: wasm\nignore_memory_plan: true'));
    assert.equal(diagnostics.find((d) => d.code === 'FTS235'), undefined);
  });

  it('a Llama-shaped decoder at batch 4 × 128: the hover shows the plan with the logits, FTS235 offers LoRA and gradient checkpointing, and each fix fits', async () => {
    const text = config('llama-shaped', 4);
    const diagnostics = await diagnose(text);
    const warning = diagnostics.find((d) => d.code === 'FTS235');
    assert.ok(warning, JSON.stringify(diagnostics.map((d) => d.code)));
    assert.match(warning.message, /weights 0\.60 GB, grads 0\.60, Adam 1\.21, activations ≈ \d\.\d\d at batch 4 × 128: \d\.\d\d GB of 4 GiB \(wasm\)/);
    assert.match(warning.message, /What would fit: LoRA \(peft: r 8, target_modules q_proj, v_proj\)/);

    const hover = await client.hover(uri(), { line: 0, character: 2 });
    const value = (hover?.contents as MarkupContent).value;
    assert.match(value, /\*\*Memory plan\*\* \(one training step\): weights 0\.60 GB, grads 0\.60, Adam 1\.21/);
    assert.match(value, /logits \[4, 128, 32000\]: 0\.07 GB a copy/);
    assert.match(value, /Does not fit; the run will refuse to start/);

    const actions = await client.codeActions(uri(), warning);
    const titles = actions.map((a) => a.title);
    const checkpointing = actions.find((a) => /^Set gradient_checkpointing: true \([\d.]+ GB of 4 GiB \(wasm\)\)$/.test(a.title));
    const lora = actions.find((a) => /^Train LoRA adapters \(peft: r 8, target_modules q_proj, v_proj\) \([\d.]+ GB of 4 GiB \(wasm\)\)$/.test(a.title));
    assert.ok(checkpointing && lora, titles.join('\n'));

    const checkpointed = apply(text, checkpointing.edit?.changes?.[uri()] ?? []);
    assert.match(checkpointed, / {2}gradient_checkpointing: true\n/);
    assert.equal((await diagnose(checkpointed)).find((d) => d.code === 'FTS235'), undefined, 'the checkpointing fix fits');
    const adapted = apply(text, lora.edit?.changes?.[uri()] ?? []);
    assert.match(adapted, /^peft:\n {2}peft_type: LORA\n {2}r: 8\n/m);
    const after = await diagnose(adapted);
    assert.equal(after.find((d) => d.code === 'FTS235'), undefined, `the LoRA fix fits: ${JSON.stringify(after.map((d) => d.message))}`);
  });

  it('with the native addon the plan uses the fused kernels\' factors: bert-base at batch 8 × 128 needs less, and batch 4 with accumulation 2 fits', { skip: !blasAddonPresent({ ...process.env, FTS_NATIVE: '1' }) && 'no native addon built here' }, async () => {
    const composite = (await diagnose(config('bert-base', 8))).find((d) => d.code === 'FTS235');
    const native = await LspTestClient.start({ rootPath: root, initializationOptions: { diagnosticsDelayMs: 20 }, env: { FTS_NATIVE: '1' } });
    try {
      const file = pathToUri(join(root, 'native.trainer.yaml'));
      const opened = await native.open(file, 'yaml', config('bert-base', 8));
      const warning = (await native.diagnosticsForVersion(file, opened)).diagnostics.find((d) => d.code === 'FTS235');
      assert.ok(composite && warning);
      const activations = (message: string) => Number(/activations ≈ (\d+\.\d\d)/.exec(message)?.[1]);
      assert.ok(activations(warning.message) < activations(composite.message) * 0.7, `${warning.message}\nvs\n${composite.message}`);
      assert.match(warning.message, /What would fit: .*per_device_train_batch_size: 4 with gradient_accumulation_steps: 2/);
      const hover = await native.hover(file, { line: 0, character: 2 });
      assert.match((hover?.contents as MarkupContent).value, /activations of the native addon's fused kernels/);
    } finally {
      await native.stop();
    }
  });
});
