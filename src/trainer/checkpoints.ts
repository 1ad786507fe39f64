/**
 * Checkpoint folders, HF layout: `<output_dir>/checkpoint-<step>/`. A checkpoint is written into
 * a temporary folder and renamed into place, so a kill mid-write never leaves a folder that
 * looks complete. `trainer_state.json` is written last and marks completeness.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type SafetensorEntry } from './io/safetensors';
import type { SerializedState } from './types';
import type { TrainerStateJson } from './state';

import { checkpointName, findCheckpoints, TRAINER_STATE_FILE } from './checkpoint-folders';

export { CHECKPOINT_PREFIX, TRAINER_STATE_FILE, checkpointName, checkpointStep } from './checkpoint-folders';

/** Where the loop was, so a resumed run replays the same data order and loss accounting. */
export interface LoopPosition {
  epoch: number;
  /** Optimizer steps already taken in `epoch`. */
  updateInEpoch: number;
  /** Loss summed over the steps since the last log, and how many steps that is. */
  lossSinceLog: number;
  stepsSinceLog: number;
  totalLossSum: number;
  earlyStopping?: { badEvaluations: number; best: number | null };
  bestGlobalStep?: number;
  /** Training examples of the run that saved it (the epoch's shuffle depends on it). */
  trainRows?: number;
}

export interface CheckpointContents {
  /** Writes the model files (weights, and config/tokenizer when known) into the folder. */
  writeModel: (dir: string) => Promise<void>;
  optimizer: SerializedState;
  scheduler: Record<string, unknown>;
  position: LoopPosition;
  trainerState: TrainerStateJson;
  trainingArgs: unknown;
}

/** Complete checkpoints in `outputDir`, oldest first (the rule is src/trainer/checkpoint-folders.ts). */
export function listCheckpoints(outputDir: string): string[] {
  return findCheckpoints(outputDir, {
    list: (dir) => {
      try {
        return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
      } catch {
        return undefined;
      }
    },
    exists: existsSync,
    join,
  });
}

/** The step a complete checkpoint was written at, from its trainer_state.json (whatever the folder is called). */
export function checkpointGlobalStep(dir: string): number | undefined {
  try {
    const step = readJson<TrainerStateJson>(join(dir, TRAINER_STATE_FILE)).global_step;
    return Number.isInteger(step) ? step : undefined;
  } catch {
    return undefined;
  }
}

export function latestCheckpoint(outputDir: string): string | undefined {
  return listCheckpoints(outputDir).at(-1);
}

/** `.checkpoint-<step>.tmp-<pid>`, and `….old` (the previous folder of a step being saved again). */
const TEMP_FOLDER = /^\.checkpoint-(\d+)\.tmp-(\d+)(\.old)?$/;

function tempFolderName(step: number, pid: number): string {
  return `.${checkpointName(step)}.tmp-${pid}`;
}

function isLiveProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Removes the temporary folders of saves that were killed, so they do not pile up. Folders of a
 * live process other than this one are kept: nothing locks an output_dir, and a second run saving
 * into it would lose its checkpoint. This process's own are stale: it calls this before it saves
 * (and a container may give each run the same pid). A `.old` folder whose checkpoint is missing
 * was killed between two renames of a re-save: it is that checkpoint, complete, and is put back.
 * Returns the folders removed or restored.
 */
export function cleanStaleCheckpointTemps(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  const handled: string[] = [];
  for (const entry of readdirSync(outputDir, { withFileTypes: true })) {
    const match = TEMP_FOLDER.exec(entry.name);
    if (!match || !entry.isDirectory()) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && isLiveProcess(pid)) continue;
    const dir = join(outputDir, entry.name);
    const finalDir = join(outputDir, checkpointName(Number(match[1])));
    if (match[3] && !existsSync(finalDir) && existsSync(join(dir, TRAINER_STATE_FILE))) renameSync(dir, finalDir);
    else rmSync(dir, { recursive: true, force: true });
    handled.push(dir);
  }
  return handled;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Writes a checkpoint atomically: everything goes into a temporary folder that is then renamed. */
export async function writeCheckpoint(outputDir: string, step: number, contents: CheckpointContents): Promise<string> {
  mkdirSync(outputDir, { recursive: true });
  const finalDir = join(outputDir, checkpointName(step));
  const tempDir = join(outputDir, tempFolderName(step, process.pid));
  rmSync(tempDir, { recursive: true, force: true });
  mkdirSync(tempDir);
  try {
    await contents.writeModel(tempDir);
    await writeSafetensors(join(tempDir, 'optimizer.safetensors'), toSafetensorsRecord(contents.optimizer));
    writeJson(join(tempDir, 'optimizer.json'), contents.optimizer.json);
    writeJson(join(tempDir, 'scheduler.json'), contents.scheduler);
    writeJson(join(tempDir, 'rng_state.json'), contents.position);
    writeJson(join(tempDir, 'training_args.json'), contents.trainingArgs);
    writeJson(join(tempDir, TRAINER_STATE_FILE), contents.trainerState);
    if (existsSync(finalDir)) {
      // Re-saving the same step (a resumed run stopped again at once): replace it whole.
      const oldDir = `${tempDir}.old`;
      renameSync(finalDir, oldDir);
      renameSync(tempDir, finalDir);
      rmSync(oldDir, { recursive: true, force: true });
    } else {
      renameSync(tempDir, finalDir);
    }
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  return finalDir;
}

function toSafetensorsRecord(state: SerializedState): Record<string, SafetensorEntry> {
  const record: Record<string, SafetensorEntry> = {};
  for (const [name, t] of Object.entries(state.tensors)) record[name] = { dtype: 'F32', shape: t.shape, data: t.data };
  return record;
}

export interface LoadedCheckpoint {
  dir: string;
  step: number;
  optimizer: SerializedState;
  scheduler: Record<string, unknown>;
  position: LoopPosition;
  trainerState: TrainerStateJson;
  /** training_args.json, when the checkpoint has one. */
  trainingArgs: Record<string, unknown> | undefined;
}

/** Reads everything but the weights (the caller loads those with loadWeightsInto). */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const statePath = join(dir, TRAINER_STATE_FILE);
  if (!existsSync(statePath)) {
    throw new Error(`${dir} is not a complete checkpoint (no ${TRAINER_STATE_FILE}). Pick another checkpoint or start afresh.`);
  }
  const { tensors } = await readSafetensors(join(dir, 'optimizer.safetensors'));
  const optimizerTensors: SerializedState['tensors'] = {};
  for (const [name, t] of Object.entries(tensors)) {
    optimizerTensors[name] = { shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) };
  }
  const trainerState = readJson<TrainerStateJson>(statePath);
  return {
    dir,
    step: trainerState.global_step,
    optimizer: { json: readJson(join(dir, 'optimizer.json')), tensors: optimizerTensors },
    scheduler: readJson(join(dir, 'scheduler.json')),
    position: readJson(join(dir, 'rng_state.json')),
    trainerState,
    trainingArgs: existsSync(join(dir, 'training_args.json')) ? readJson(join(dir, 'training_args.json')) : undefined,
  };
}

/**
 * HF's `_rotate_checkpoints`: keep the newest `limit` checkpoints, and always the best one
 * (with limit 1 and a best that is not the newest, two are kept).
 */
export function rotateCheckpoints(outputDir: string, limit: number | null | undefined, best: string | undefined): string[] {
  if (limit == null || limit <= 0) return [];
  const checkpoints = listCheckpoints(outputDir);
  let keep = limit;
  if (best && keep === 1 && checkpoints.at(-1) !== best) keep = 2;
  if (checkpoints.length <= keep) return [];
  const ordered = checkpoints.filter((c) => c !== best);
  const removable = ordered.slice(0, Math.max(0, checkpoints.length - keep));
  for (const dir of removable) rmSync(dir, { recursive: true, force: true });
  return removable;
}
