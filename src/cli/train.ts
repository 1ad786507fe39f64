/**
 * `finetune-studio train <config> [--json] [--ipc] [--resume[=<ckpt>]] [--max-steps N] [--backend B]`
 *   `[--no-user-code [--workspace-root <dir>]]`: an untrusted workspace's run: no custom trainer module,
 *   and output_dir only inside <dir> (default: the config's folder).
 *
 * In a terminal: a live progress bar, eval tables and checkpoint lines. `--json`: one event per
 * line on stdout. `--ipc`: the child-process mode the extension uses (events over the IPC
 * channel, control messages back). Ctrl-C stops after the current step with a checkpoint;
 * a second Ctrl-C aborts. The run itself is on a worker thread (train-supervisor.ts), so this
 * thread answers signals even while user code loops.
 */
import { isControlMessage } from '../protocol/guards';
import type { TrainerEvent } from '../protocol/events';
import type { BackendName } from '../trainer/backends';
import { TerminalReporter } from './terminal-reporter';
import { TrainingSupervisor } from './train-supervisor';
import { BACKENDS } from '../config/schema';

const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
/** How long an orphaned trainer (its editor gone) may take to write its stop checkpoint. */
const ORPHAN_GRACE_MS = 60_000;

export interface TrainCliOptions {
  configPath: string;
  json: boolean;
  ipc: boolean;
  resume?: string | boolean;
  maxSteps?: number;
  backend?: BackendName;
  overwriteOutputDir?: boolean;
  verbose?: boolean;
  /** --no-user-code: refuse configs that load a custom trainer module (untrusted workspaces), and output_dir outside the workspace. */
  allowUserCode?: boolean;
  /** --offline: Hub models from the cache only (as HF_HUB_OFFLINE=1). */
  offline?: boolean;
  /** --workspace-root <dir>: the folder an untrusted run may write in (default: the config's folder). */
  workspaceRoot?: string;
}

export function parseTrainArgs(argv: string[]): TrainCliOptions | string {
  const options: Partial<TrainCliOptions> & { json: boolean; ipc: boolean } = { json: false, ipc: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--verbose':
        options.verbose = true;
        break;
      case '--json':
        options.json = true;
        break;
      case '--ipc':
        options.ipc = true;
        break;
      case '--resume':
        options.resume = inline ?? true;
        break;
      case '--no-user-code':
        options.allowUserCode = false;
        break;
      case '--offline':
        options.offline = true;
        break;
      case '--workspace-root': {
        const dir = value();
        if (!dir) return '--workspace-root needs a folder';
        options.workspaceRoot = dir;
        break;
      }
      case '--overwrite-output-dir':
        options.overwriteOutputDir = true;
        break;
      case '--max-steps': {
        const n = Number(value());
        if (!Number.isInteger(n) || n <= 0) return '--max-steps needs a positive integer';
        options.maxSteps = n;
        break;
      }
      case '--backend': {
        const b = value() as BackendName;
        if (!BACKEND_NAMES.includes(b)) return `--backend must be one of ${BACKEND_NAMES.join(', ')}`;
        options.backend = b;
        break;
      }
      default:
        if (arg.startsWith('--')) return `unknown option ${arg}`;
        if (options.configPath) return `only one config per run (got ${options.configPath} and ${arg})`;
        options.configPath = arg;
    }
  }
  if (!options.configPath) return 'missing <config>';
  return options as TrainCliOptions;
}

export async function runTrain(argv: string[]): Promise<number> {
  const parsed = parseTrainArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`finetune-studio train: ${parsed}\nUsage: finetune-studio train <config> [--json] [--resume[=<ckpt>]] [--overwrite-output-dir] [--max-steps N] [--backend B] [--verbose] [--no-user-code [--workspace-root <dir>]]\n`);
    return 2;
  }
  const ipc = parsed.ipc && typeof process.send === 'function';
  const reporter = parsed.json || ipc ? undefined : new TerminalReporter(process.stderr, parsed.verbose);
  const emit = (event: TrainerEvent): void => {
    if (ipc) {
      if (process.connected) process.send?.(event);
    }
    else if (parsed.json) process.stdout.write(JSON.stringify(event) + '\n');
    else reporter?.handle(event);
  };

  const supervisor = new TrainingSupervisor({
    run: {
      configPath: parsed.configPath,
      resume: parsed.resume,
      maxSteps: parsed.maxSteps,
      backend: parsed.backend,
      overwriteOutputDir: parsed.overwriteOutputDir,
      allowUserCode: parsed.allowUserCode,
      workspaceRoot: parsed.workspaceRoot,
      offline: parsed.offline,
    },
    emit,
    log: (text) => process.stderr.write(`${text}\n`),
  });
  let exitCode: number | undefined;
  // The training runs on another thread, so these always run: a first signal asks for a stop with a
  // checkpoint, a second Ctrl-C (or SIGTERM once a stop was asked for: the extension's grace is over) ends it.
  const onSigint = (): void => {
    if (supervisor.stopping) {
      process.stderr.write('\nAborted.\n');
      exitCode = 130;
      void supervisor.abort('Aborted by a second Ctrl-C');
      return;
    }
    process.stderr.write('\nStopping after this step and saving a checkpoint (Ctrl-C again to abort)...\n');
    supervisor.requestStop();
  };
  const onSigterm = (): void => {
    if (supervisor.stopping) {
      exitCode = 143;
      void supervisor.abort('Ended by SIGTERM after a stop request');
      return;
    }
    supervisor.requestStop();
  };
  // Slurm's preemption warning (`--signal=B:USR1@N`, forwarded by the batch script): checkpoint
  // and stop like a first Ctrl-C; the batch script then requeues the job, which resumes from here.
  const onPreempt = (): void => {
    process.stderr.write('\nUSR1: saving a checkpoint and stopping for a requeue...\n');
    supervisor.requestStop();
  };
  const onMessage = (message: unknown): void => {
    if (isControlMessage(message)) supervisor.control(message);
  };
  // The extension host went away (reload, crash): stop with a checkpoint rather than run orphaned,
  // and end regardless if the checkpoint cannot be written in time (nobody is left to kill us).
  let orphanTimer: NodeJS.Timeout | undefined;
  const onDisconnect = (): void => {
    supervisor.requestStop();
    orphanTimer ??= setTimeout(() => void supervisor.abort('The editor went away and the stop did not finish in time'), ORPHAN_GRACE_MS);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('SIGUSR1', onPreempt);
  if (ipc) {
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
  }

  try {
    const end = await supervisor.finished;
    return exitCode ?? (end.status === 'failed' ? 1 : 0);
  } finally {
    clearTimeout(orphanTimer);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.off('SIGUSR1', onPreempt);
    if (ipc) {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    }
  }
}
