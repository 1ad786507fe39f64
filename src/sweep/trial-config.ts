/**
 * A trial's trainer config: the validated base config with the trial's parameters set by path,
 * its file paths made absolute (the trial config lives in the trial's run directory, not beside
 * the base) and `output_dir` pointing at that run directory.
 */
import { isAbsolute, resolve } from 'node:path';
import type { TrainerConfig } from '../config/schema';
import type { JsonValue } from '../config/tree';
import type { TrialParams } from './space';

/** Config fields holding paths relative to the config file. */
const PATH_FIELDS = ['data.train_file', 'data.eval_file', 'data.tokenizer', 'trainer', 'model.from_pretrained'] as const;

type Json = { [key: string]: JsonValue };

function getPath(value: Json, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = current[segment];
  }
  return current;
}

export function setPath(value: Json, path: string, leaf: JsonValue): void {
  const segments = path.split('.');
  let current = value;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Json;
  }
  current[segments[segments.length - 1]] = leaf;
}

export function trialConfig(base: TrainerConfig, baseDir: string, params: TrialParams, runDir: string): Json {
  const config = JSON.parse(JSON.stringify(base)) as Json;
  for (const [path, value] of Object.entries(params)) setPath(config, path, value);
  for (const field of PATH_FIELDS) {
    const value = getPath(config, field);
    if (typeof value === 'string' && !isAbsolute(value)) setPath(config, field, resolve(baseDir, value));
  }
  setPath(config, 'training_args.output_dir', runDir);
  setPath(config, 'training_args.overwrite_output_dir', true);
  setPath(config, 'training_args.resume_from_checkpoint', null);
  return config;
}
