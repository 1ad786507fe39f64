/**
 * One trainer child process: started with `child_process.fork` and an argument array (never a
 * shell string), typed events in over IPC, control messages out. No vscode import, so the run
 * manager is tested against the real trainer outside the editor.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isTrainerEvent } from '../src/protocol/guards';
import type { ControlMessage, RunEndEvent, TrainerEvent } from '../src/protocol/events';
import { forwardOutputLines } from './child-output';

/** How long a trainer gets to answer SIGTERM at the end of the stop grace before it is killed. */
const FINAL_KILL_MS = 5_000;

export interface TrainerEntry {
  /** The CLI module: dist/cli.js in the extension; src/cli/main.ts with tsx in tests. */
  modulePath: string;
  /** Node flags for the child (e.g. ['--import', 'tsx'] when running from source). */
  execArgv?: string[];
}

export interface StartOptions {
  configPath: string;
  /** Whether the run may load a custom trainer module; false (the default) passes --no-user-code. */
  allowUserCode?: boolean;
  resume?: string | boolean;
  backend?: string;
  maxSteps?: number;
  cwd: string;
}

/**
 * What the Hub resolution reads (src/hub/env.ts), so a run from the editor uses the cache, mirror,
 * token and offline mode that the Models view and the language server use.
 */
const HUB_VARIABLES = [
  'HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'XDG_CACHE_HOME', 'HF_ENDPOINT', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN',
  'HF_TOKEN_PATH', 'HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_HUB_DOWNLOAD_TIMEOUT',
];

/** Environment passed to the trainer: only what Node, tfjs and the Hub cache need (the backend goes as --backend). */
export function trainerEnvironment(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USERPROFILE', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'SYSTEMROOT', 'NODE_PATH', 'LD_LIBRARY_PATH', 'VK_ICD_FILENAMES', 'CUDA_VISIBLE_DEVICES', ...HUB_VARIABLES];
  const env: NodeJS.ProcessEnv = {};
  for (const key of keep) if (source[key] !== undefined) env[key] = source[key];
  // The extension host is Electron; the child must run as plain Node.
  env.ELECTRON_RUN_AS_NODE = '1';
  return env;
}

export function trainArguments(options: StartOptions): string[] {
  const args = ['train', options.configPath, '--ipc'];
  if (options.resume === true) args.push('--resume');
  else if (typeof options.resume === 'string') args.push(`--resume=${options.resume}`);
  if (options.backend && options.backend !== 'auto') args.push('--backend', options.backend);
  if (options.maxSteps !== undefined) args.push('--max-steps', String(options.maxSteps));
  if (options.allowUserCode !== true) args.push('--no-user-code');
  return args;
}

interface ProcessEvents {
  event: [TrainerEvent];
  log: [string];
  exit: [RunEndEvent];
}

/**
 * Emits `event` for every valid trainer event, `log` for stdout/stderr lines, and exactly one
 * `exit` with the run's end: the trainer's own runEnd, or a synthesised `failed` one when the
 * process died without saying how it ended (killed, crashed).
 */
export class TrainingProcess extends EventEmitter<ProcessEvents> {
  private readonly child: ChildProcess;
  private runEnd?: RunEndEvent;
  private lastStep = 0;
  private lastEpoch = 0;
  private readonly stderrTail: string[] = [];
  private killTimer?: NodeJS.Timeout;
  readonly exited: Promise<RunEndEvent>;

  constructor(entry: TrainerEntry, options: StartOptions, env: NodeJS.ProcessEnv = trainerEnvironment(process.env)) {
    super();
    this.child = fork(entry.modulePath, trainArguments(options), {
      cwd: options.cwd,
      env,
      execArgv: entry.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.on('message', (message) => this.onMessage(message));
    forwardOutputLines(this.child, this.stderrTail, (line) => this.emit('log', line));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(this.killTimer);
        const end = this.runEnd ?? this.failure(code, signal);
        if (!this.runEnd) this.emit('event', end);
        this.emit('exit', end);
        resolve(end);
      };
      this.child.once('exit', finish);
      this.child.once('error', (error) => {
        this.stderrTail.push(error.message);
        if (this.child.exitCode === null && this.child.pid === undefined) finish(null, null);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: ControlMessage): boolean {
    if (!this.child.connected) return false;
    this.child.send(message);
    return true;
  }

  /**
   * `stop` (the trainer checkpoints and exits); after `graceMs`, SIGTERM, which a trainer that was
   * asked to stop answers by ending its training thread and recording the run's end (an endless
   * loop in user code included); SIGKILL only if even that is not answered.
   */
  stop(graceMs: number): Promise<RunEndEvent> {
    if (!this.send({ type: 'stop' })) this.child.kill('SIGTERM');
    this.killTimer ??= setTimeout(() => {
      this.child.kill('SIGTERM');
      this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), FINAL_KILL_MS);
    }, graceMs);
    return this.exited;
  }

  private onMessage(message: unknown): void {
    if (!isTrainerEvent(message)) {
      this.emit('log', `Ignored a malformed message from the trainer: ${JSON.stringify(message).slice(0, 200)}`);
      return;
    }
    if (message.type === 'log' || message.type === 'progress') {
      this.lastStep = message.step;
      this.lastEpoch = message.epoch;
    }
    if (message.type === 'runEnd') this.runEnd = message;
    this.emit('event', message);
  }

  private failure(code: number | null, signal: NodeJS.Signals | null): RunEndEvent {
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const tail = this.stderrTail.length ? `\n${this.stderrTail.join('\n')}` : '';
    return {
      type: 'runEnd',
      time: Date.now(),
      status: 'failed',
      step: this.lastStep,
      epoch: this.lastEpoch,
      trainRuntime: 0,
      error: { message: `The trainer process ${how} at step ${this.lastStep} without finishing.${tail}` },
    };
  }
}
