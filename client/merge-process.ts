/**
 * `finetune-studio merge <adapter> --out <folder> --json` in a child process (argument array, no
 * shell), for the editor's Merge LoRA Adapter command: the merge loads the base model and must not
 * run in the extension host. No vscode import, so it is tested against the real CLI.
 */
import { spawn } from 'node:child_process';
import { forwardOutputLines } from './child-output';
import { trainerEnvironment, type TrainerEntry } from './training-process';

export interface MergeRequest {
  /** The PEFT adapter folder: a LoRA run's output_dir or one of its checkpoints. */
  adapterDir: string;
  /** A new (or empty) folder for the merged model. */
  outDir: string;
  cwd: string;
  /** Aborting ends the child (SIGTERM). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What the CLI's --json line reports. */
export interface MergeOutcome {
  out: string;
  baseModel: string;
  merged: string[];
  parameters: number;
}

export function mergeArguments(request: Pick<MergeRequest, 'adapterDir' | 'outDir'>): string[] {
  return ['merge', request.adapterDir, '--out', request.outDir, '--json'];
}

function isMergeOutcome(x: unknown): x is MergeOutcome {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.out === 'string' && typeof o.baseModel === 'string' && Array.isArray(o.merged) && typeof o.parameters === 'number';
}

/** Resolves with the merge's report; rejects with a message naming the adapter and target folders and the CLI's reason. */
export function runMergeProcess(entry: TrainerEntry, request: MergeRequest, env: NodeJS.ProcessEnv = trainerEnvironment(process.env)): Promise<MergeOutcome> {
  const what = `Merging the adapter in ${request.adapterDir} into ${request.outDir}`;
  return new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      reject(new Error(`${what} was cancelled.`));
      return;
    }
    const child = spawn(process.execPath, [...(entry.execArgv ?? []), entry.modulePath, ...mergeArguments(request)], {
      cwd: request.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderrTail: string[] = [];
    let outcome: MergeOutcome | undefined;
    forwardOutputLines(child, stderrTail, (line) => {
      if (line.startsWith('{')) {
        try {
          const parsed: unknown = JSON.parse(line);
          if (isMergeOutcome(parsed)) outcome = parsed;
        } catch {
          // Not the report line.
        }
      }
      request.log?.(line);
    });
    const abort = () => child.kill('SIGTERM');
    request.signal?.addEventListener('abort', abort, { once: true });
    child.once('error', (error) => {
      request.signal?.removeEventListener('abort', abort);
      reject(new Error(`${what} could not start: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      request.signal?.removeEventListener('abort', abort);
      if (request.signal?.aborted) {
        reject(new Error(`${what} was cancelled; ${request.outDir} may hold a partial model: delete it before merging there again.`));
        return;
      }
      if (code === 0 && outcome) {
        resolve(outcome);
        return;
      }
      // The CLI's own message names the problem ("… has no adapter_config.json", "… is not empty").
      const reason = stderrTail
        .filter((l) => l.startsWith('finetune-studio merge:') || /error/i.test(l))
        .map((l) => l.replace(/^finetune-studio merge: /, ''))
        .join('\n');
      const how = signal ? `was killed (${signal})` : code === 0 ? 'reported nothing' : `failed (exit ${code})`;
      reject(new Error(`${what} ${how}: ${reason || stderrTail.slice(-3).join('\n') || 'no output'}`));
    });
  });
}
