/**
 * Start Training on Slurm from the editor, on the one-node cluster (scripts/slurm-cluster.sh
 * start; .ci/run starts it and sets FTS_REQUIRE_SLURM=1, under which a missing cluster fails
 * instead of skipping). The job's state and the trainer's metrics reach the run manager and the
 * dashboard like a local run's; Stop is scancel INT and the run ends stopped with a checkpoint.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FineTuneStudioApi } from '../../../client/extension';
import type { RunState } from '../../../client/run-manager';
import { Commands } from '../../../src/protocol/commands';
import type { JobEvent } from '../../../src/protocol/events';
import { activateExtension, EXTENSION_ID, within, workspaceUri } from './helpers';

// A job goes through sbatch, the scheduler and the trainer's start on a loaded machine.
const RUN_MS = 150_000;

function clusterUp(): boolean {
  const script = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'scripts', 'slurm-cluster.sh');
  return spawnSync(script, ['status']).status === 0;
}

describe('a Slurm run started from the editor', () => {
  let api: FineTuneStudioApi;
  let run: RunState;
  const outputDir = () => workspaceUri('runs', 'on-slurm').fsPath;

  before(async function () {
    if (!clusterUp() && process.env.FTS_REQUIRE_SLURM !== '1') this.skip(); // no cluster here (scripts/slurm-cluster.sh start)
    api = await activateExtension();
  });

  it('submits the config with its launcher: section; the job state and live metrics reach the run and the dashboard', async () => {
    const configUri = workspaceUri('on-slurm.trainer.yaml');
    writeFileSync(
      configUri.fsPath,
      [
        '# Open-ended: the test stops it.',
        'model: { architecture: text-classifier, num_labels: 2, embedding_dim: 8, vocab_size: 200, max_length: 16 }',
        'data: { train_file: data/train.jsonl, text_column: text, label_column: label }',
        'backend: cpu',
        'launcher:',
        '  time: "00:10:00"',
        '  cpus_per_task: 1',
        'training_args:',
        '  output_dir: runs/on-slurm',
        '  max_steps: 1000000',
        '  per_device_train_batch_size: 4',
        '  logging_steps: 5',
        "  save_strategy: 'no'",
        '',
      ].join('\n'),
    );
    // A fresh dashboard opens on the active run (an open one keeps showing the run it shows).
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const started = await vscode.commands.executeCommand<RunState | undefined>(Commands.startTrainingOnSlurm, configUri);
    assert.ok(started, 'Start Training on Slurm started no run (see the notification / Output channel)');
    const rendered = api.whenDashboardRendered((m) => m.runId === outputDir() && m.points > 0);
    run = started;
    assert.equal(run.outputDir, outputDir());
    const logged = await within(RUN_MS, 'a logged loss from the Slurm job', api.whenRun((r) => r.id === run.id && r.progress.loss !== undefined));
    assert.equal(logged.phase, 'running');
    const jobs = logged.events.filter((e): e is JobEvent => e.type === 'job');
    assert.ok(jobs.some((j) => j.state === 'RUNNING' && j.active), `job events: ${JSON.stringify(jobs)}`);
    assert.ok(logged.events.some((e) => e.type === 'runStart'), 'the trainer\'s runStart came through metrics.jsonl');
    assert.ok(existsSync(join(outputDir(), 'slurm.sbatch')));
    assert.match(api.statusBarText() ?? '', /Fine-Tune \d+\/1000000/);
    const shown = await within(RUN_MS, 'the dashboard to draw the Slurm run', rendered);
    assert.ok(shown.points > 0);
  });

  it('Stop sends scancel INT: the trainer checkpoints and the run ends stopped', async () => {
    assert.ok(run, 'the run of the previous test');
    await vscode.commands.executeCommand(Commands.stopTraining, run.id);
    const end = await within(RUN_MS, 'the Slurm run to stop', api.runManager.whenEnded(run.id));
    assert.equal(end?.status, 'stopped', end?.error?.message);
    assert.ok(end?.checkpoint && existsSync(join(end.checkpoint, 'trainer_state.json')), `no checkpoint: ${end?.checkpoint}`);
    const jobId = run.events.find((e): e is JobEvent => e.type === 'job')?.jobId;
    const squeue = spawnSync('squeue', ['-h', '-j', jobId ?? '', '-t', 'PENDING,RUNNING,COMPLETING', '-o', '%i']);
    assert.equal(squeue.stdout.toString().trim(), '', `job ${jobId} is still queued or running`);
  });
});
