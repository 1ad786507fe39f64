/**
 * Which folders of an output_dir are checkpoints, decided once for the Trainer (resume, rotation),
 * the extension (Resume pickers) and the language server (the Resume code lens): a
 * `checkpoint-<step>` folder that holds `trainer_state.json`, which is written last and marks a
 * checkpoint complete. No Node imports: each caller lists folders its own way (the disk, or the
 * language server's file access with open buffers laid over it).
 */

export const CHECKPOINT_PREFIX = 'checkpoint-';
export const TRAINER_STATE_FILE = 'trainer_state.json';

export function checkpointName(step: number): string {
  return `${CHECKPOINT_PREFIX}${step}`;
}

/** Step number of a checkpoint folder name or path, or undefined if it is not one. */
export function checkpointStep(path: string): number | undefined {
  const name = path.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const match = /^checkpoint-(\d+)$/.exec(name);
  if (!match) return undefined;
  const step = Number(match[1]);
  return Number.isSafeInteger(step) ? step : undefined;
}

export interface CheckpointListing {
  /** Entries of a folder, or undefined when it cannot be read. */
  list(dir: string): readonly { name: string; isDirectory: boolean }[] | undefined;
  /** Whether a file exists. */
  exists(path: string): boolean;
  /** `dir` joined with a child name. */
  join(dir: string, name: string): string;
}

/** Complete checkpoints in `outputDir`, oldest (lowest step) first. */
export function findCheckpoints(outputDir: string, listing: CheckpointListing): string[] {
  return (listing.list(outputDir) ?? [])
    .filter((e) => e.isDirectory && checkpointStep(e.name) !== undefined)
    .map((e) => ({ dir: listing.join(outputDir, e.name), step: checkpointStep(e.name) ?? 0 }))
    .filter((c) => listing.exists(listing.join(c.dir, TRAINER_STATE_FILE)))
    .sort((a, b) => a.step - b.step)
    .map((c) => c.dir);
}
