/**
 * Which files are trainer configs: `*.trainer.yaml`, `*.trainer.yml`, `*.trainer.json`. Declared
 * once for the extension host (pickers, document selector), the language server (routing, file
 * watching) and the dashboard host. package.json's when-clauses spell the same set as a regex.
 */

export const CONFIG_SUFFIXES = ['.trainer.yaml', '.trainer.yml', '.trainer.json'] as const;

/** The glob for workspace searches and file watchers. */
export const CONFIG_GLOB = '**/*.trainer.{yaml,yml,json}';

/** Whether a file name or path names a trainer config (case-insensitive, as file systems may be). */
export function isTrainerConfigPath(path: string): boolean {
  const lower = path.toLowerCase();
  return CONFIG_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** Sweep files (`*.sweep.yaml`, `*.sweep.yml`, `*.sweep.json`): a base trainer config and the fields to vary. */
export const SWEEP_SUFFIXES = ['.sweep.yaml', '.sweep.yml', '.sweep.json'] as const;

export const SWEEP_GLOB = '**/*.sweep.{yaml,yml,json}';

export function isSweepFilePath(path: string): boolean {
  const lower = path.toLowerCase();
  return SWEEP_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** Slurm cluster files (`*.cluster.yaml`, `*.cluster.yml`): partition, gres, time, setup lines. */
export const CLUSTER_SUFFIXES = ['.cluster.yaml', '.cluster.yml'] as const;

export const CLUSTER_GLOB = '**/*.cluster.{yaml,yml}';

export function isClusterFilePath(path: string): boolean {
  const lower = path.toLowerCase();
  return CLUSTER_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}
