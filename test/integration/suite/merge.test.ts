/**
 * Merge LoRA Adapter from the editor: a LoRA run on the BERT example's checkpoint and data
 * (examples/bert-classifier, 4 steps on cpu) started with Start Training, shown in the dashboard,
 * then merged with the palette command, whose child process writes a Hugging Face folder.
 */
import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { MergeOutcome } from '../../../client/merge-process';
import type { RunState } from '../../../client/run-manager';
import { Commands } from '../../../src/protocol/commands';
import type { RunStartEvent } from '../../../src/protocol/events';
import { activateExtension, EXTENSION_ID, within, workspaceUri } from './helpers';

const RUN_MS = 120_000;

describe('Merge LoRA Adapter from the editor', () => {
  it('a completed LoRA run merges into a folder with config.json and model.safetensors', async () => {
    const api = await activateExtension();
    const example = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'examples', 'bert-classifier');
    const configUri = workspaceUri('bert-lora.trainer.yaml');
    writeFileSync(
      configUri.fsPath,
      [
        '# The BERT LoRA example (examples/bert-classifier/lora.trainer.yaml), cut to 4 steps.',
        'model:',
        `  from_pretrained: ${JSON.stringify(join(example, 'model'))}`,
        'data:',
        `  train_file: ${JSON.stringify(join(example, 'data', 'train.jsonl'))}`,
        'peft:',
        '  peft_type: LORA',
        '  r: 8',
        '  lora_alpha: 16',
        'backend: cpu',
        'training_args:',
        '  output_dir: runs/bert-lora',
        '  max_steps: 4',
        '  per_device_train_batch_size: 8',
        '  logging_steps: 1',
        "  save_strategy: 'no'",
        '',
      ].join('\n'),
    );
    const outputDir = workspaceUri('runs', 'bert-lora').fsPath;
    // A fresh dashboard opens on the active run (an open one keeps showing the run it shows).
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const rendered = api.whenDashboardRendered((m) => m.runId === outputDir && m.points === 4);
    const run = await vscode.commands.executeCommand<RunState | undefined>(Commands.startTraining, configUri);
    assert.ok(run, 'Start Training started no run');
    const end = await within(RUN_MS, 'the LoRA run to end', api.runManager.whenEnded(run.id));
    assert.equal(end?.status, 'completed', end?.error?.message);
    const start = run.events.find((e): e is RunStartEvent => e.type === 'runStart');
    assert.deepEqual(start?.model?.adapter?.targets.length, 4, 'query and value of both layers carry an adapter');
    // The dashboard drew it: what the Merge Adapter button appears on (test/browser/merge-adapter.test.ts).
    await within(RUN_MS, 'the dashboard to draw the LoRA run', rendered);

    const out = workspaceUri('merged', 'bert-lora').fsPath;
    const outcome = await within(RUN_MS, 'the merge', Promise.resolve(vscode.commands.executeCommand<MergeOutcome | undefined>(Commands.mergeAdapter, vscode.Uri.file(outputDir), vscode.Uri.file(out))));
    assert.ok(outcome, 'the merge reported no result (see the notification / Output channel)');
    assert.equal(outcome.out, out);
    assert.equal(outcome.merged.length, 4);
    for (const file of ['config.json', 'model.safetensors']) assert.ok(existsSync(join(out, file)), `${file} missing in ${out}`);
  });

  it('a run id from the dashboard resolves to its folder; a folder that is no adapter is refused before any process starts', async () => {
    const api = await activateExtension();
    const run = api.runManager.list().find((r) => r.outputDir === workspaceUri('runs', 'bert-lora').fsPath);
    assert.ok(run, 'the LoRA run of the previous test');
    const again = workspaceUri('merged', 'by-run-id').fsPath;
    const outcome = await within(RUN_MS, 'the merge by run id', Promise.resolve(vscode.commands.executeCommand<MergeOutcome | undefined>(Commands.mergeAdapter, run.id, again)));
    assert.equal(outcome?.out, again);
    assert.ok(existsSync(join(again, 'model.safetensors')));
    const refused = await vscode.commands.executeCommand<MergeOutcome | undefined>(Commands.mergeAdapter, workspaceUri('data').fsPath, workspaceUri('merged', 'nothing').fsPath);
    assert.equal(refused, undefined);
    assert.ok(!existsSync(workspaceUri('merged', 'nothing').fsPath));
  });
});
