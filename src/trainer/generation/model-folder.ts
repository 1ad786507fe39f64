/**
 * Which folder holds the weights to generate with: a model folder or checkpoint (config.json, or a
 * PEFT adapter's adapter_config.json), or a run folder, whose best checkpoint (trainer_state.json's
 * best_model_checkpoint) wins, else its latest complete checkpoint, else a model saved at its top.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { findCheckpoints, TRAINER_STATE_FILE } from '../checkpoint-folders';
import { HF_CONFIG_FILE } from '../io/hf-folder';
import { ADAPTER_CONFIG_FILE } from '../io/peft-files';

export interface ModelFolder {
  dir: string;
  /** How it was chosen, for the CLI's first line. */
  how: string;
}

/** A model (config.json) or a LoRA run's adapter (adapter_config.json) is saved in `dir`. */
function holdsModel(dir: string): boolean {
  return existsSync(join(dir, HF_CONFIG_FILE)) || existsSync(join(dir, ADAPTER_CONFIG_FILE));
}

const diskListing = {
  list: (dir: string) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
  join,
};

export function resolveModelFolder(path: string): ModelFolder {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${path}: not a folder; give a model folder, a checkpoint-<step> folder or a run's output_dir`);
  if (existsSync(join(dir, HF_CONFIG_FILE))) return { dir, how: 'model folder' };
  if (existsSync(join(dir, ADAPTER_CONFIG_FILE))) return { dir, how: 'LoRA adapter folder' };
  const best = bestCheckpoint(dir);
  if (best) return { dir: best, how: `best checkpoint of ${basename(dir)}` };
  const latest = findCheckpoints(dir, diskListing).filter(holdsModel).pop();
  if (latest) return { dir: latest, how: `latest checkpoint of ${basename(dir)}` };
  const entries = diskListing.list(dir)?.map((e) => e.name) ?? [];
  throw new Error(
    `${path}: holds ${entries.length ? entries.slice(0, 8).join(', ') : 'nothing'}; expected a model folder (config.json + model.safetensors), ` +
      'a checkpoint-<step> folder, or a run folder with checkpoints',
  );
}

function bestCheckpoint(dir: string): string | undefined {
  const stateFile = join(dir, TRAINER_STATE_FILE);
  if (!existsSync(stateFile)) return undefined;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { best_model_checkpoint?: unknown };
    if (typeof state.best_model_checkpoint !== 'string') return undefined;
    const best = isAbsolute(state.best_model_checkpoint) ? state.best_model_checkpoint : join(dir, basename(state.best_model_checkpoint));
    return holdsModel(best) ? best : undefined;
  } catch {
    return undefined;
  }
}
