/**
 * The generator child process behind a Try Model panel: `finetune-studio generate <model> --ipc`,
 * forked with an argument array. It loads the model once and answers generate requests over IPC,
 * so generation never runs in the extension host. No vscode import: tested outside the editor.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { isGeneratorEvent, type GeneratorEvent, type GeneratorRequest } from '../src/protocol/generate';
import { trainerEnvironment, type TrainerEntry } from './training-process';
import { forwardOutputLines } from './child-output';

export interface GeneratorOptions {
  /** A model folder, a checkpoint, or a run folder (its best, else latest, checkpoint). */
  modelPath: string;
  backend?: string;
  cwd: string;
}

export function generatorArguments(options: GeneratorOptions): string[] {
  const args = ['generate', options.modelPath, '--ipc'];
  if (options.backend && options.backend !== 'auto') args.push('--backend', options.backend);
  return args;
}

interface GeneratorProcessEvents {
  event: [GeneratorEvent];
  log: [string];
  /** The process ended; `message` says how, with its last stderr lines. */
  exit: [string];
}

export class GeneratorProcess extends EventEmitter<GeneratorProcessEvents> {
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  readonly exited: Promise<string>;

  constructor(entry: TrainerEntry, options: GeneratorOptions, env: NodeJS.ProcessEnv = trainerEnvironment(process.env)) {
    super();
    this.child = fork(entry.modulePath, generatorArguments(options), {
      cwd: options.cwd,
      env,
      execArgv: entry.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.on('message', (message) => {
      if (isGeneratorEvent(message)) this.emit('event', message);
      else this.emit('log', `Ignored a malformed message from the generator: ${JSON.stringify(message).slice(0, 200)}`);
    });
    forwardOutputLines(this.child, this.stderrTail, (line) => this.emit('log', line));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        const how = signal ? `was stopped (${signal})` : code === 0 ? 'ended' : `exited with code ${code}`;
        const message = `The model process ${how}.${this.stderrTail.length ? `\n${this.stderrTail.join('\n')}` : ''}`;
        this.emit('exit', message);
        resolve(message);
      };
      this.child.once('exit', finish);
      this.child.once('error', (error) => {
        this.stderrTail.push(error.message);
        if (this.child.pid === undefined) finish(null, null);
      });
    });
  }

  send(request: GeneratorRequest): boolean {
    if (!this.child.connected) return false;
    this.child.send(request);
    return true;
  }

  /** Ends the process (it holds only the model; nothing to save). */
  dispose(): Promise<string> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
