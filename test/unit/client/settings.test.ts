import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, readSettings, Settings, type StudioSettings } from '../../../client/settings';
import { RunManager } from '../../../client/run-manager';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { writeConfig } from '../trainer/run/fixtures';

test('readSettings: typed values, defaults for missing ones, and a message for each bad one', () => {
  assert.deepEqual(readSettings(() => undefined), { settings: DEFAULT_SETTINGS, problems: [] });
  const raw: Record<string, unknown> = { backend: 'wasm', stopGraceSeconds: 5, openDashboardOnStart: false };
  assert.deepEqual(readSettings((key) => raw[key]).settings, { backend: 'wasm', stopGraceSeconds: 5, openDashboardOnStart: false });
  const bad: Record<string, unknown> = { backend: 'tpu', stopGraceSeconds: 0, openDashboardOnStart: 'yes' };
  const { settings, problems } = readSettings((key) => bad[key]);
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /finetuneStudio\.backend: "tpu" is not one of auto, .*; using "auto"/);
  assert.match(problems[1], /finetuneStudio\.stopGraceSeconds: 0 is not a number of seconds ≥ 1; using 30/);
  assert.match(problems[2], /finetuneStudio\.openDashboardOnStart: "yes" is not true or false/);
});

test('Settings.reload re-reads on a configuration change and tells listeners which keys changed', () => {
  const raw: Record<string, unknown> = { stopGraceSeconds: 30 };
  const reported: string[] = [];
  const settings = new Settings((key) => raw[key], (p) => reported.push(p));
  const heard: [Readonly<StudioSettings>, readonly string[]][] = [];
  const subscription = settings.onDidChange((s, changed) => heard.push([s, changed]));
  assert.equal(settings.current.stopGraceSeconds, 30);

  assert.deepEqual(settings.reload(), [], 'nothing changed: nothing heard');
  assert.equal(heard.length, 0);

  raw.stopGraceSeconds = 2;
  raw.backend = 'cpu';
  assert.deepEqual(settings.reload(), ['backend', 'stopGraceSeconds']);
  assert.equal(settings.current.stopGraceSeconds, 2);
  assert.deepEqual(heard.at(-1)?.[1], ['backend', 'stopGraceSeconds']);

  raw.stopGraceSeconds = -4;
  assert.deepEqual(settings.reload(), ['stopGraceSeconds'], 'an invalid value goes back to the default');
  assert.equal(settings.current.stopGraceSeconds, 30);
  assert.match(reported.join('\n'), /stopGraceSeconds: -4/);

  subscription.dispose();
  raw.openDashboardOnStart = false;
  settings.reload();
  assert.equal(heard.length, 2, 'a disposed listener hears nothing');
});

test('a stopGraceSeconds changed after activation applies to the next stop', async () => {
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  const entry = { modulePath: resolve(__dirname, '../../../src/cli/main.ts'), execArgv: ['--import', tsxLoader] };
  const raw: Record<string, unknown> = { stopGraceSeconds: 60 };
  const settings = new Settings((key) => raw[key]);
  const manager = new RunManager({ entry, stopGraceMs: () => 1000 * settings.current.stopGraceSeconds });
  // Each step after the first takes 3 s: with the 60 s read at activation the stop would wait and
  // checkpoint; with the 1 s set since, the trainer is ended mid-step.
  const { dir, path, outputDir } = writeConfig({ trainer: 'slow_step_trainer.ts', trainingArgs: { logging_steps: 1, save_strategy: 'no', eval_strategy: 'no' } });
  const run = manager.start({ configPath: path, outputDir, cwd: dir, allowUserCode: true });
  await new Promise<void>((done) => manager.on('changed', (r) => r.id === run.id && r.progress.step >= 1 && done()));
  raw.stopGraceSeconds = 1;
  assert.deepEqual(settings.reload(), ['stopGraceSeconds']);
  const end = await manager.stop(run.id);
  // Ended at the grace (SIGTERM, then SIGKILL if needed) rather than after a checkpoint.
  assert.notEqual(end?.status, 'stopped');
  assert.equal(end?.checkpoint, undefined);
  assert.match(end?.error?.message ?? '', /SIGTERM|SIGKILL/);
});
