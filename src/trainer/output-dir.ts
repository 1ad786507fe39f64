/**
 * Taking possession of `output_dir` before a run writes anything: create it one level at a time,
 * check it is a writable folder, clear the temporary folders a killed save left, and refuse to
 * write into a folder that is not a run of ours unless `overwrite_output_dir` says so. In an
 * untrusted run, refuse any output_dir outside the config's folder. Every refusal is a
 * TrainerError at the `output_dir` key, with what to do.
 */
import { accessSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isTrainerEvent } from '../protocol/guards';
import type { SourceLocation } from '../protocol/events';
import { cleanStaleCheckpointTemps, listCheckpoints } from './checkpoints';
import { TrainerError } from './errors';

export const METRICS_FILE = 'metrics.jsonl';
const STATE_FILE = 'trainer_state.json';

export interface OutputDirRequest {
  /** Absolute output folder. */
  outputDir: string;
  /** Where `output_dir` is written in the config (or the config's first line when it is the default). */
  location: SourceLocation;
  /** The checkpoint a resumed run starts from: the folder's content is then the run's own. */
  resumeFrom?: string;
  overwrite: boolean;
  /** Untrusted runs: the folder output_dir must lie in (symbolic links resolved). */
  confineTo?: string;
}

export interface PreparedOutputDir {
  /** Temporary checkpoint folders of killed saves that were removed (or restored as checkpoints). */
  cleaned: string[];
}

export function prepareOutputDir(request: OutputDirRequest): PreparedOutputDir {
  const { outputDir, location } = request;
  const fail = (message: string): never => {
    throw new TrainerError(message, location);
  };
  if (request.confineTo !== undefined) refuseOutside(request.confineTo, outputDir, 'output_dir', location);
  createFolder(outputDir, fail);
  const cleaned = cleanStaleCheckpointTemps(outputDir);
  if (request.resumeFrom) return { cleaned };

  const checkpoints = listCheckpoints(outputDir);
  if (checkpoints.length > 0 && !request.overwrite) {
    fail(
      `${outputDir} already holds ${checkpoints.length} checkpoint(s) (latest ${basename(checkpoints.at(-1) ?? '')}). Resume with --resume, set training_args.overwrite_output_dir: true to start afresh, or choose another output_dir.`,
    );
  }
  const entries = readdirSync(outputDir);
  const content = entries.filter((entry) => !LAUNCHER_FILE.test(entry));
  if (checkpoints.length === 0 && content.length > 0 && !isOurRun(outputDir, content) && !request.overwrite) {
    const shown = content.slice(0, 5).join(', ') + (content.length > 5 ? `, … (${content.length} entries)` : '');
    fail(
      `Refused: output_dir ${outputDir} is not empty and is not a Fine-Tune Studio run (it holds ${shown}; no metrics.jsonl of ours). Choose an empty or new folder, or set training_args.overwrite_output_dir: true to write into it (its checkpoint-*, metrics.jsonl and trainer_state.json are then replaced).`,
    );
  }
  // A fresh run: the previous run's record goes; with overwrite_output_dir its checkpoints go too.
  for (const entry of entries) {
    if (entry.startsWith('checkpoint-') || entry === METRICS_FILE || entry === STATE_FILE) {
      rmSync(join(outputDir, entry), { recursive: true, force: true });
    }
  }
  return { cleaned };
}

/**
 * An untrusted run writes only inside `root` (the config's folder, or the workspace the editor names):
 * a TrainerError at `location` when `path` (symbolic links followed) leads elsewhere.
 */
export function refuseOutside(root: string, path: string, key: string, location: SourceLocation): void {
  const realRoot = realPathOf(root);
  if (isInside(realRoot, realPathOf(path))) return;
  throw new TrainerError(
    `Refused: ${key} ${path} is outside ${realRoot}, the folder of the config. A run from an untrusted workspace writes only inside it; choose a ${key} there, or trust the workspace.`,
    location,
  );
}

/**
 * Creates the folder and its missing parents one level at a time. (Node's recursive mkdir spins
 * for ever on a path under /proc, and its errors do not say which level failed.)
 */
function createFolder(outputDir: string, fail: (message: string) => never): void {
  const missing: string[] = [];
  let existing = outputDir;
  for (;;) {
    const kind = kindOf(existing);
    if (kind === 'folder') break;
    if (kind !== undefined) {
      fail(
        existing === outputDir
          ? `output_dir ${outputDir} is an existing file, not a folder; choose a folder path for checkpoints and metrics`
          : `output_dir ${outputDir} cannot be created: ${existing} is a file, not a folder`,
      );
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(dir) === 'folder') continue; // made meanwhile
      fail(`output_dir ${outputDir} cannot be created: ${reason(error, dir)}. Choose a folder you can write to`);
    }
  }
  try {
    accessSync(outputDir, constants.W_OK);
  } catch (error) {
    fail(`output_dir ${outputDir} is not writable: ${reason(error, outputDir)}. Choose a folder you can write to`);
  }
}

function kindOf(path: string): 'folder' | 'file' | undefined {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    // A dangling link is something in the way, not a free name.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !isLink(path)) return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    return 'file';
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function reason(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied at ${path}`;
    case 'EROFS':
      return `${path} is on a read-only file system`;
    case 'ENOENT':
      return `${dirname(path)} does not accept new folders`;
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return `${code ?? 'error'} at ${path}`;
  }
}

/** A path with symbolic links resolved: the real path of its longest existing prefix, plus the rest. */
function realPathOf(path: string): string {
  const absolute = resolve(path);
  const rest: string[] = [];
  let head = absolute;
  for (;;) {
    try {
      return join(realpathSync(head), ...rest);
    } catch {
      const parent = dirname(head);
      if (parent === head) return absolute;
      rest.unshift(basename(head));
      head = parent;
    }
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * What our Slurm launcher (src/launcher/slurm) writes into a run folder before the trainer starts:
 * the batch script, the job record and the job's own output. They make no folder foreign.
 */
const LAUNCHER_FILE = /^slurm(?:\.sbatch|-job\.json|-[\w.]+\.(?:out|err))$/;

/**
 * Whether the folder's content was written by this trainer: metrics.jsonl starting with one of our
 * events, or only an empty metrics.jsonl (a run killed before its first event).
 */
function isOurRun(outputDir: string, entries: readonly string[]): boolean {
  if (!entries.includes(METRICS_FILE)) return false;
  const first = firstLine(join(outputDir, METRICS_FILE));
  if (first === undefined) return entries.length === 1;
  try {
    return isTrainerEvent(JSON.parse(first));
  } catch {
    return false;
  }
}

/** The first non-blank line of a file's first 64 KiB; undefined when there is none. */
function firstLine(path: string): string | undefined {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return '';
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8').split('\n').find((line) => line.trim() !== '');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
