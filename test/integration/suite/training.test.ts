/**
 * Training from the command palette's commands on the fixture workspace (backend cpu): a tiny run
 * that completes; then an open-ended run with live events, status bar and dashboard, stopped
 * (checkpoint on disk) and resumed from that checkpoint.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { FineTuneStudioApi } from '../../../client/extension';
import type { RunState } from '../../../client/run-manager';
import type { RunStartEvent } from '../../../src/protocol/events';
import { activateExtension, askLauncher, launcherDirectory, openInEditor, within, workspaceUri } from './helpers';

// Generous: on a loaded 2-core CI machine the first webview load alone has taken 45 s.
const RUN_MS = 120_000;

async function startTraining(configUri: vscode.Uri): Promise<RunState> {
  const run = await vscode.commands.executeCommand<RunState | undefined>('finetuneStudio.startTraining', configUri);
  assert.ok(run, `Start Training did not start a run for ${configUri.fsPath}`);
  return run;
}

function runStartOf(run: RunState): RunStartEvent | undefined {
  return run.events.find((e): e is RunStartEvent => e.type === 'runStart');
}

describe('training from the commands', () => {
  let api: FineTuneStudioApi;

  before(async () => {
    api = await activateExtension();
  });

  it('runs the tiny config to completion and writes the run folder', async () => {
    const run = await startTraining(workspaceUri('tiny.trainer.yaml'));
    // The dashboard opened with the run; subscribed now, before its webview can have loaded.
    const outputDir = workspaceUri('runs', 'tiny').fsPath;
    const rendered = api.whenDashboardRendered((m) => m.runId === outputDir && m.points === 4);
    const end = await within(RUN_MS, 'the tiny run to end', api.runManager.whenEnded(run.id));
    assert.equal(end?.status, 'completed', `run ended ${end?.status}: ${end?.error?.message ?? ''}`);
    assert.equal(end?.step, 8);
    assert.equal(run.progress.backend?.name, 'cpu');
    assert.ok(run.events.some((e) => e.type === 'log'), 'no log event arrived');
    assert.equal(run.outputDir, outputDir);
    const state = JSON.parse(readFileSync(join(outputDir, 'trainer_state.json'), 'utf8')) as { global_step: number };
    assert.equal(state.global_step, 8);
    assert.ok(existsSync(join(outputDir, 'metrics.jsonl')));
    assert.equal(api.statusBarText(), undefined, 'the status bar item hides when no run is active');
    // All 4 logged losses (steps 2, 4, 6, 8) get drawn, live or replayed from metrics.jsonl. Awaited
    // also because closing a webview that is still registering its service worker stalls the
    // next webview of the page for about 45 s (seen in headless Chromium under load).
    await within(RUN_MS, 'the dashboard to draw the tiny run', rendered);
  });

  it("reports a custom trainer's exception at the user's file and line", async () => {
    const run = await startTraining(workspaceUri('custom', 'failing.trainer.yaml'));
    const end = await within(RUN_MS, 'the failing run to end', api.runManager.whenEnded(run.id));
    assert.equal(end?.status, 'failed');
    assert.match(end?.error?.message ?? '', /the custom loss failed on purpose/);
    assert.equal(end?.error?.location?.file, workspaceUri('custom', 'failing_trainer.ts').fsPath);
    assert.equal(end?.error?.location?.line, 6);
    assert.equal(end?.step, 2);
    assert.equal(run.phase, 'failed');
  });

  describe('an open-ended run', () => {
    const configUri = () => workspaceUri('long.trainer.yaml');
    let first: RunState;
    let stoppedStep = 0;
    let checkpoint = '';

    it('starts, streams events and shows progress in the status bar', async () => {
      // A clean layout for the screenshot: the config on the left, a new dashboard beside it.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await openInEditor('long.trainer.yaml');
      first = await startTraining(configUri());
      const logged = await within(RUN_MS, 'a logged loss', api.whenRun((r) => r.id === first.id && r.progress.loss !== undefined));
      assert.equal(logged.phase, 'running');
      assert.equal(runStartOf(logged)?.backend.name, 'cpu');
      assert.ok(logged.progress.totalSteps >= 1_000_000);
      const text = api.statusBarText();
      assert.match(text ?? '', /Fine-Tune \d+\/1000000 · loss \d+\.\d{4} · ETA /);
    });

    it('renders its metrics in the dashboard', async () => {
      const rendered = await within(RUN_MS, 'the dashboard to render the run', api.whenDashboardRendered((m) => m.runId === first.outputDir && m.points > 0));
      assert.ok(rendered.points > 0);
      if (launcherDirectory()) {
        // The offline launcher photographs the workbench while the run is still going.
        const shot = await askLauncher<{ path: string }>('workbench-dashboard', { kind: 'screenshot', name: 'workbench-dashboard' });
        assert.ok(existsSync(shot.path), `no screenshot at ${shot.path}`);
      }
      assert.equal(api.runManager.get(first.id)?.phase, 'running', 'the run was still in progress for the screenshot');
    });

    it('stops with a checkpoint on disk', async () => {
      await vscode.commands.executeCommand('finetuneStudio.stopTraining', first.id);
      const end = await within(RUN_MS, 'the run to stop', api.runManager.whenEnded(first.id));
      assert.equal(end?.status, 'stopped');
      assert.ok(end?.checkpoint, 'the stop wrote no checkpoint');
      stoppedStep = end.step;
      checkpoint = end.checkpoint;
      assert.equal(basename(checkpoint), `checkpoint-${stoppedStep}`);
      assert.ok(existsSync(join(checkpoint, 'trainer_state.json')), `${checkpoint} has no trainer_state.json`);
      assert.equal(api.statusBarText(), undefined);
    });

    it('resumes from that checkpoint and continues past its step', async () => {
      const resumed = await vscode.commands.executeCommand<RunState | undefined>('finetuneStudio.resumeFromCheckpoint', configUri(), checkpoint);
      assert.ok(resumed, 'Resume from Checkpoint did not start a run');
      assert.notEqual(resumed.id, first.id);
      const advanced = await within(RUN_MS, 'the resumed run to pass its first step', api.whenRun((r) => r.id === resumed.id && r.progress.step > stoppedStep));
      const start = runStartOf(advanced);
      assert.equal(start?.resumedStep, stoppedStep);
      assert.equal(start?.resumedFrom, checkpoint);
      await vscode.commands.executeCommand('finetuneStudio.stopTraining', resumed.id);
      const end = await within(RUN_MS, 'the resumed run to stop', api.runManager.whenEnded(resumed.id));
      assert.equal(end?.status, 'stopped');
      assert.ok((end?.step ?? 0) > stoppedStep);
    });
  });
});
