import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authorizeDashboardMessage,
  nodeFileFacts,
  type AuthorizationContext,
} from '../../../client/dashboard-authorization';
import type { RunSummary, WebviewToHostMessage } from '../../../src/protocol/webview';

/**
 * A workspace on disk: two configs, two runs (each with a complete checkpoint), and outside it
 * a config and a run folder an attacker controls, plus links from inside the workspace to them.
 */
function fixture() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'fts-auth-')));
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  for (const dir of [ws, outside]) mkdirSync(dir);
  const write = (path: string, text = 'x') => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  const configA = join(ws, 'a.trainer.yaml');
  const configB = join(ws, 'b.trainer.yaml');
  const evilConfig = join(outside, 'evil.trainer.yaml');
  for (const c of [configA, configB, evilConfig]) write(c, 'training_args: {}\n');
  const runA = join(ws, 'runs', 'a');
  const runB = join(ws, 'runs', 'b');
  const ckptA = join(runA, 'checkpoint-10');
  const ckptB = join(runB, 'checkpoint-20');
  write(join(ckptA, 'trainer_state.json'), '{}');
  write(join(ckptB, 'trainer_state.json'), '{}');
  // Incomplete: no trainer_state.json.
  mkdirSync(join(runA, 'checkpoint-15'));
  // Links inside the workspace that lead out of it.
  const linkedConfig = join(ws, 'linked.trainer.yaml');
  symlinkSync(evilConfig, linkedConfig);
  const outsideCkpt = join(outside, 'checkpoint-99');
  write(join(outsideCkpt, 'trainer_state.json'), '{}');
  symlinkSync(outsideCkpt, join(runA, 'checkpoint-99'));
  const secret = join(outside, 'secret.txt');
  write(secret);
  symlinkSync(secret, join(ws, 'secret-link.txt'));
  write(join(ws, 'notes.txt'));

  const summary = (id: string, configPath: string): RunSummary => ({
    id,
    name: id,
    outputDir: id,
    configPath,
    status: 'stopped',
    lastStep: 10,
    totalSteps: 100,
    startedAt: 1,
  });
  // A run folder inside the workspace whose metrics.jsonl names a config outside it (failure 12).
  const craftedRun = join(ws, 'runs', 'crafted');
  write(join(craftedRun, 'checkpoint-5', 'trainer_state.json'), '{}');
  const knownRuns = new Map<string, RunSummary>([
    [runA, summary(runA, configA)],
    [runB, summary(runB, configB)],
    [craftedRun, summary(craftedRun, evilConfig)],
  ]);
  const context: AuthorizationContext = {
    workspaceFolders: [ws],
    knownRuns,
    // What findFiles lists: every *.trainer.* file in the workspace, the link included.
    workspaceConfigs: [configA, configB, linkedConfig],
    files: nodeFileFacts(),
  };
  return { ws, outside, configA, configB, evilConfig, linkedConfig, runA, runB, ckptA, ckptB, craftedRun, secret, context };
}

const command = (fields: Omit<Extract<WebviewToHostMessage, { type: 'command' }>, 'type'>): WebviewToHostMessage => ({ type: 'command', ...fields });

test('start: a workspace config is allowed; a run whose metrics.jsonl names a config outside the workspace is refused', () => {
  const f = fixture();
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'start', configPath: f.configA }), f.context), { action: 'start', configPath: f.configA });
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'start', runId: f.runB }), f.context), { action: 'start', configPath: f.configB });
  // Before the fix, a known run's recorded configPath was accepted as it was.
  const crafted = authorizeDashboardMessage(command({ command: 'start', runId: f.craftedRun }), f.context);
  assert.equal(crafted.action, 'refuse');
  const craftedExplicit = authorizeDashboardMessage(command({ command: 'start', runId: f.craftedRun, configPath: f.evilConfig }), f.context);
  assert.equal(craftedExplicit.action, 'refuse');
  const craftedResume = authorizeDashboardMessage(command({ command: 'resume', runId: f.craftedRun }), f.context);
  assert.equal(craftedResume.action, 'refuse');
  assert.match(craftedResume.action === 'refuse' ? craftedResume.reason : '', /not a trainer config of this workspace/);
});

test('start: hostile config paths are refused (outside, `..`, relative, a link out, not a config name, an unknown run)', () => {
  const f = fixture();
  const hostile = [
    f.evilConfig,
    join(f.ws, '..', 'outside', 'evil.trainer.yaml'),
    `${f.ws}/runs/../a.trainer.yaml`,
    'a.trainer.yaml',
    `${f.ws}/../outside/evil.trainer.yaml`,
    f.linkedConfig,
    join(f.ws, 'notes.txt'),
    join(f.ws, 'missing.trainer.yaml'),
    '/etc/passwd',
  ];
  for (const configPath of hostile) {
    const decision = authorizeDashboardMessage(command({ command: 'start', configPath }), f.context);
    assert.equal(decision.action, 'refuse', configPath);
  }
  assert.equal(authorizeDashboardMessage(command({ command: 'start', runId: '/tmp/unknown-run' }), f.context).action, 'refuse');
  assert.equal(authorizeDashboardMessage(command({ command: 'start' }), f.context).action, 'refuse');
});

test('resume: one run\'s checkpoint cannot be paired with another config or taken from another run', () => {
  const f = fixture();
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'resume', runId: f.runA, configPath: f.configA, checkpoint: f.ckptA }), f.context), {
    action: 'resume',
    configPath: f.configA,
    checkpoint: f.ckptA,
  });
  // The run's own config is used when the message names none.
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'resume', runId: f.runA, checkpoint: f.ckptA }), f.context), {
    action: 'resume',
    configPath: f.configA,
    checkpoint: f.ckptA,
  });
  const refused: [string, WebviewToHostMessage][] = [
    ['run A checkpoint with config B', command({ command: 'resume', runId: f.runA, configPath: f.configB, checkpoint: f.ckptA })],
    ['run B checkpoint under run A', command({ command: 'resume', runId: f.runA, checkpoint: f.ckptB })],
    ['a checkpoint without its run', command({ command: 'resume', configPath: f.configA, checkpoint: f.ckptA })],
    ['an incomplete checkpoint', command({ command: 'resume', runId: f.runA, checkpoint: join(f.runA, 'checkpoint-15') })],
    ['a checkpoint linked from outside', command({ command: 'resume', runId: f.runA, checkpoint: join(f.runA, 'checkpoint-99') })],
    ['a `..` spelling of a checkpoint', command({ command: 'resume', runId: f.runA, checkpoint: `${f.runB}/../a/checkpoint-10` })],
    ['a checkpoint of an unknown run', command({ command: 'resume', runId: f.outside, checkpoint: join(f.outside, 'checkpoint-99') })],
  ];
  for (const [what, message] of refused) assert.equal(authorizeDashboardMessage(message, f.context).action, 'refuse', what);
  // Resume of the latest checkpoint needs only a workspace config.
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'resume', configPath: f.configB }), f.context), { action: 'resume', configPath: f.configB });
});

test('stop, selectRuns and config diff act only on listed runs', () => {
  const f = fixture();
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'stop', runId: f.runA }), f.context), { action: 'stop', runId: f.runA });
  assert.equal(authorizeDashboardMessage(command({ command: 'stop', runId: f.outside }), f.context).action, 'refuse');
  assert.equal(authorizeDashboardMessage(command({ command: 'stop' }), f.context).action, 'refuse');
  assert.deepEqual(authorizeDashboardMessage({ type: 'selectRuns', runIds: [f.runA, f.outside, '../../etc', f.runB] }, f.context), {
    action: 'selectRuns',
    runIds: [f.runA, f.runB],
  });
  assert.deepEqual(authorizeDashboardMessage({ type: 'requestConfigDiff', runIds: [f.runA, f.runB] }, f.context), { action: 'configDiff', runIds: [f.runA, f.runB] });
  assert.equal(authorizeDashboardMessage({ type: 'requestConfigDiff', runIds: [f.runA, f.outside] }, f.context).action, 'refuse');
});

test('export reads only listed runs', () => {
  const f = fixture();
  const charts = [{ metric: 'loss', png: 'data:image/png;base64,iVBORw0KGgo=' }];
  assert.deepEqual(authorizeDashboardMessage({ type: 'exportRuns', runIds: [f.runA, f.runB], charts }, f.context), { action: 'export', runIds: [f.runA, f.runB], charts });
  assert.equal(authorizeDashboardMessage({ type: 'exportRuns', runIds: [f.runA, f.outside], charts }, f.context).action, 'refuse');
});

test('openLocation: only regular files really inside a workspace folder', () => {
  const f = fixture();
  const open = (file: string): WebviewToHostMessage => ({ type: 'openLocation', file, line: 3, column: 2 });
  assert.deepEqual(authorizeDashboardMessage(open(f.configA), f.context), { action: 'open', file: f.configA, line: 3, column: 2 });
  for (const file of [f.secret, join(f.ws, 'secret-link.txt'), `${f.ws}/../outside/secret.txt`, f.ws, join(f.ws, 'runs'), 'notes.txt', join(f.ws, 'nope.txt')]) {
    assert.equal(authorizeDashboardMessage(open(file), f.context).action, 'refuse', file);
  }
  // A workspace folder that is itself reached through a link still contains its files.
  const linkedRoot = join(f.outside, 'ws-link');
  symlinkSync(f.ws, linkedRoot);
  assert.equal(authorizeDashboardMessage(open(f.configA), { ...f.context, workspaceFolders: [linkedRoot] }).action, 'open');
  // No workspace folder: nothing opens.
  assert.equal(authorizeDashboardMessage(open(f.configA), { ...f.context, workspaceFolders: [] }).action, 'refuse');
});

test('mergeAdapter: only a listed, completed run whose own folder in the workspace holds adapter_config.json', () => {
  const f = fixture();
  writeFileSync(join(f.runA, 'adapter_config.json'), '{}');
  const completed = (id: string) => ({ ...f.context.knownRuns.get(id)!, status: 'completed' as const });
  const context = (runs: RunSummary[]): AuthorizationContext => ({ ...f.context, knownRuns: new Map(runs.map((r) => [r.id, r])) });
  const merge = (runId: string): WebviewToHostMessage => ({ type: 'mergeAdapter', runId });

  assert.deepEqual(authorizeDashboardMessage(merge(f.runA), context([completed(f.runA)])), { action: 'merge', adapterDir: f.runA });
  // Listed but stopped: the adapter of an unfinished run is not what a merge should publish.
  const stopped = authorizeDashboardMessage(merge(f.runA), f.context);
  assert.deepEqual(stopped, { action: 'refuse', reason: `Dashboard: ignored merge of ${f.runA}, which has not completed (stopped).` });
  // Completed, but a full fine-tune (no adapter_config.json).
  assert.match((authorizeDashboardMessage(merge(f.runB), context([completed(f.runB)])) as { reason: string }).reason, /holds no LoRA adapter \(adapter_config\.json\)/);
  // Not listed: a path the page made up.
  assert.equal(authorizeDashboardMessage(merge(f.runA), context([])).action, 'refuse');
  // A listed run folder outside the workspace, or whose adapter_config.json is a link out of it.
  const outsideRun = join(f.outside, 'runs', 'lora');
  mkdirSync(outsideRun, { recursive: true });
  writeFileSync(join(outsideRun, 'adapter_config.json'), '{}');
  const linkedRun = join(f.ws, 'runs', 'linked-lora');
  mkdirSync(linkedRun, { recursive: true });
  symlinkSync(join(outsideRun, 'adapter_config.json'), join(linkedRun, 'adapter_config.json'));
  for (const dir of [outsideRun, linkedRun]) {
    const run: RunSummary = { ...completed(f.runA), id: dir, outputDir: dir };
    assert.equal(authorizeDashboardMessage(merge(dir), context([run])).action, 'refuse', dir);
  }
});

test('startSlurm: the same rule as start (a workspace config), so the page cannot submit a config from elsewhere', () => {
  const f = fixture();
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'startSlurm', configPath: f.configA }), f.context), { action: 'startSlurm', configPath: f.configA });
  assert.deepEqual(authorizeDashboardMessage(command({ command: 'startSlurm', runId: f.runB }), f.context), { action: 'startSlurm', configPath: f.configB });
  for (const configPath of [f.evilConfig, f.linkedConfig, `${f.ws}/../outside/evil.trainer.yaml`, 'a.trainer.yaml']) {
    assert.equal(authorizeDashboardMessage(command({ command: 'startSlurm', configPath }), f.context).action, 'refuse', configPath);
  }
  assert.equal(authorizeDashboardMessage(command({ command: 'startSlurm', runId: f.craftedRun }), f.context).action, 'refuse');
  assert.equal(authorizeDashboardMessage(command({ command: 'startSlurm' }), f.context).action, 'refuse');
});
