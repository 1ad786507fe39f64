/**
 * SIGKILL campaign (issue 10, acceptance): a real `finetune-studio train` child saving a checkpoint
 * after every step is killed at seeded random moments, half of them the instant a save's temporary
 * folder appears. After every kill each checkpoint-* folder present must load; the next run clears
 * the temporary folders killed saves leave, and the last run completes from the latest checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../../src/trainer/checkpoints';
import { readSafetensors } from '../../../src/trainer/io/safetensors';
import { writeConfig } from '../trainer/run/fixtures';
import { startCli } from './cli-process';
import { mulberry32 } from '../../../src/trainer/random';

const MIN_KILLS = 10;
const MIN_KILLS_DURING_SAVES = 3;
/** A bound on the campaign: a kill may land after a save finished; keep going until enough landed inside one. */
const MAX_KILLS = 30;
const TEMP_FOLDER = /^\.checkpoint-\d+\.tmp-\d+(\.old)?$/;

const tempFolders = (dir: string) => readdirSync(dir).filter((name) => TEMP_FOLDER.test(name));
const checkpointFolders = (dir: string) => readdirSync(dir).filter((name) => /^checkpoint-\d+$/.test(name));

/** Every checkpoint-* folder must read as a whole checkpoint: state, optimizer, scheduler, position and weights. */
async function assertCheckpointsLoad(outputDir: string, when: string): Promise<number> {
  let latest = 0;
  for (const name of checkpointFolders(outputDir)) {
    const dir = join(outputDir, name);
    const checkpoint = await readCheckpoint(dir).catch((error: unknown) => assert.fail(`${when}: ${name} does not load: ${String(error)}`));
    assert.equal(`checkpoint-${checkpoint.step}`, name, `${when}: ${name} holds step ${checkpoint.step}`);
    const weights = await readSafetensors(join(dir, 'model.safetensors')).catch((error: unknown) => assert.fail(`${when}: ${name} weights: ${String(error)}`));
    assert.ok(Object.keys(weights.tensors).length > 0, `${when}: ${name} has weights`);
    latest = Math.max(latest, checkpoint.step);
  }
  return latest;
}

test(`a trainer SIGKILLed ${MIN_KILLS}+ times, during saves too, leaves only loadable checkpoints and no stale temporary folder`, async (t) => {
  const seed = Number(process.env.FTS_CAMPAIGN_SEED ?? 20261130);
  const random = mulberry32(seed); // seeded, so a failing campaign can be replayed
  const { path, outputDir } = writeConfig({
    trainingArgs: { num_train_epochs: 1000, save_strategy: 'steps', save_steps: 1, eval_strategy: 'no', logging_steps: 1 },
  });
  mkdirSync(outputDir);
  let kills = 0;
  let duringSaves = 0;
  let latest = 0;
  while ((kills < MIN_KILLS || duringSaves < MIN_KILLS_DURING_SAVES) && kills < MAX_KILLS) {
    const atSave = kills % 2 === 0;
    const delayMs = atSave ? Math.floor(random() * 4) : Math.floor(random() * 400);
    let timer: NodeJS.Timeout | undefined;
    const cli = startCli(['train', path, '--json', ...(latest > 0 ? ['--resume'] : [])], (event, child) => {
      // Random moments: counted from the first step, so start-up does not eat the campaign.
      if (!atSave && event.type === 'progress' && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    const watcher = atSave
      ? watch(outputDir, (_kind, name) => {
          // A rename event also reports deletions (the next run clearing old folders): only a new folder counts.
          if (timer === undefined && name && TEMP_FOLDER.test(name) && !name.endsWith('.old') && existsSync(join(outputDir, name))) timer = setTimeout(() => cli.child.kill('SIGKILL'), delayMs);
        })
      : undefined;
    const code = await cli.exited;
    watcher?.close();
    clearTimeout(timer);
    assert.equal(code, null, `run ${kills + 1} ended by itself (code ${code}): ${cli.stderr()}`);
    kills++;
    // Inside a save when the killed process left its own temporary folder (an older one may still wait for cleanup).
    if (tempFolders(outputDir).some((name) => name.split('.tmp-')[1]?.split('.')[0] === String(cli.child.pid))) duringSaves++;
    latest = await assertCheckpointsLoad(outputDir, `after kill ${kills} (${atSave ? 'at a save' : 'at random'}, +${delayMs} ms)`);
  }
  t.diagnostic(`seed ${seed}: ${kills} kills, ${duringSaves} during a save, latest checkpoint-${latest}`);
  assert.ok(kills >= MIN_KILLS);
  assert.ok(duringSaves >= MIN_KILLS_DURING_SAVES, `only ${duringSaves} of ${kills} kills landed inside a save`);
  assert.ok(latest > 0, 'some checkpoint was written');

  const last = startCli(['train', path, '--json', '--resume', '--max-steps', String(latest + 2)]);
  assert.equal(await last.exited, 0, last.stderr());
  const end = last.events.at(-1);
  assert.ok(end?.type === 'runEnd' && end.status === 'completed' && end.step === latest + 2, JSON.stringify(end));
  const start = last.events.find((e) => e.type === 'runStart');
  assert.ok(start?.type === 'runStart' && start.resumedStep === latest, 'resumed from the latest checkpoint');
  assert.deepEqual(tempFolders(outputDir), [], 'no temporary folder is left after the next run');
  await assertCheckpointsLoad(outputDir, 'after the last run');
  assert.ok(existsSync(join(outputDir, `checkpoint-${latest + 2}`, 'trainer_state.json')));
});
