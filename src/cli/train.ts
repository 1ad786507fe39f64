/**
 * `finetune-studio train <config> [--json] [--ipc] [--resume[=<ckpt>]] [--max-steps N] [--backend B]`
 *
 * In a terminal: a live progress bar, eval tables and checkpoint lines. `--json`: one event per
 * line on stdout. `--ipc`: the child-process mode the extension uses (events over the IPC
 * channel, control messages back). Ctrl-C stops after the current step with a checkpoint;
 * a second Ctrl-C aborts.
 */
import * as publicApi from '../index';
import * as tf from '@tensorflow/tfjs';
import { isControlMessage } from '../protocol/guards';
import type { ControlMessage, TrainerEvent } from '../protocol/events';
import { runTraining } from '../trainer/run';
import type { Trainer } from '../trainer/trainer';
import type { BackendName } from '../trainer/backends';
import { TerminalReporter } from './terminal-reporter';
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
  /** --no-user-code: refuse configs that load a custom trainer module (untrusted workspaces). */
  allowUserCode?: boolean;
  /** --offline: Hub models from the cache only (as HF_HUB_OFFLINE=1). */
  offline?: boolean;
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
    process.stderr.write(`finetune-studio train: ${parsed}\nUsage: finetune-studio train <config> [--json] [--resume[=<ckpt>]] [--overwrite-output-dir] [--max-steps N] [--backend B] [--verbose]\n`);
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

  let trainer: Trainer | undefined;
  let stopRequested = false;
  const pendingControls: ControlMessage[] = [];
  const applyControl = (message: ControlMessage): void => {
    if (!trainer) {
      pendingControls.push(message);
      return;
    }
    if (message.type === 'stop') trainer.requestStop();
    else if (message.type === 'pause') trainer.pause();
    else if (message.type === 'resume') trainer.resume();
    else if (message.type === 'save') trainer.requestSave();
  };
  const onSigint = (): void => {
    if (stopRequested) {
      process.stderr.write('\nAborted.\n');
      process.exit(130);
    }
    stopRequested = true;
    process.stderr.write('\nStopping after this step and saving a checkpoint (Ctrl-C again to abort)...\n');
    applyControl({ type: 'stop' });
  };
  const onMessage = (message: unknown): void => {
    if (isControlMessage(message)) applyControl(message);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // The extension host went away (reload, crash): stop with a checkpoint rather than run orphaned,
  // and exit regardless if the checkpoint cannot be written in time (nobody is left to kill us).
  const onDisconnect = (): void => {
    applyControl({ type: 'stop' });
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
  };
  if (ipc) {
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
  }

  try {
    const result = await runTraining({
      configPath: parsed.configPath,
      resume: parsed.resume,
      maxSteps: parsed.maxSteps,
      backend: parsed.backend,
      overwriteOutputDir: parsed.overwriteOutputDir,
      allowUserCode: parsed.allowUserCode,
      offline: parsed.offline,
      events: { emit },
      core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf },
      onTrainer: (t) => {
        trainer = t;
        for (const message of pendingControls.splice(0)) applyControl(message);
      },

    });
    return result.status === 'failed' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (ipc) {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    }
  }
}
