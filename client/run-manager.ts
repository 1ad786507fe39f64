/**
 * Runs over time: starts trainer processes, keeps each run's state from its events, refuses a
 * second run in the same output_dir, stops runs with a grace period, and stops them all when
 * disposed. No vscode import: the extension wraps it, and tests drive it directly.
 */
import { EventEmitter } from 'node:events';
import type { ControlMessage, RunEndEvent, TrainerEvent } from '../src/protocol/events';
import { foldProgress, INITIAL_PROGRESS, type RunProgress } from '../src/protocol/progress';
import { TrainingProcess, type StartOptions, type TrainerEntry } from './training-process';

/**
 * What trains a run: a local trainer process (TrainingProcess) or a Slurm job followed through
 * its metrics.jsonl (src/launcher/slurm/watch). Events in, one exit with the run's end, stop.
 */
export interface RunProcess {
  on(name: 'event', listener: (event: TrainerEvent) => void): unknown;
  on(name: 'log', listener: (line: string) => void): unknown;
  on(name: 'exit', listener: (end: RunEndEvent) => void): unknown;
  readonly exited: Promise<RunEndEvent>;
  /** Asks for a stop with a checkpoint; ends it harder after `graceMs`. */
  stop(graceMs: number): Promise<RunEndEvent>;
  /** Pause, continue, save: false when this kind of run cannot be told. */
  send(message: ControlMessage): boolean;
}

export type RunPhase = 'starting' | 'running' | 'stopping' | 'completed' | 'stopped' | 'failed';

export interface RunState {
  id: string;
  configPath: string;
  /** The output folder: given by the caller at start (from the config), confirmed by runStart. */
  outputDir?: string;
  phase: RunPhase;
  /** Set while the trainer holds before its next step (pause sent, continue not yet). */
  paused: boolean;
  /** Step, totals, loss, ETA, backend: folded from the events (src/protocol/progress), read from here. */
  progress: RunProgress;
  startedAt: number;
  end?: RunEndEvent;
  events: TrainerEvent[];
}

interface ManagerEvents {
  /** A run's state changed (any event, start, end). */
  changed: [RunState];
  event: [RunState, TrainerEvent];
  log: [RunState, string];
}

export interface RunManagerOptions {
  entry: TrainerEntry;
  /** Milliseconds between `stop` and a kill; a function is asked at each stop (the setting can change). */
  stopGraceMs?: number | (() => number);
}

export class RunManager extends EventEmitter<ManagerEvents> {
  private readonly runs = new Map<string, RunState>();
  private readonly processes = new Map<string, RunProcess>();
  private nextId = 1;

  constructor(private readonly options: RunManagerOptions) {
    super();
  }

  list(): RunState[] {
    return [...this.runs.values()];
  }

  active(): RunState[] {
    return this.list().filter((r) => r.phase === 'starting' || r.phase === 'running' || r.phase === 'stopping');
  }

  get(id: string): RunState | undefined {
    return this.runs.get(id);
  }

  /** The active run training into this output folder (or started from this config), if any. */
  findActive(key: { outputDir?: string; configPath?: string }): RunState | undefined {
    return this.active().find(
      (r) => (key.outputDir !== undefined && r.outputDir === key.outputDir) || (key.configPath !== undefined && r.configPath === key.configPath),
    );
  }

  /**
   * Starts a run. `outputDir` (resolved by the caller from the config) guards against two runs
   * writing the same folder; the error says which run holds it.
   */
  start(options: StartOptions & { outputDir?: string }): RunState {
    this.refuseBusy(options);
    return this.track(options, new TrainingProcess(this.options.entry, options));
  }

  /**
   * Follows a run trained elsewhere (a Slurm job) like a local one. `launch` is called only when
   * no active run holds the output folder.
   */
  async adopt(key: { configPath: string; outputDir?: string }, launch: () => Promise<RunProcess>): Promise<RunState> {
    this.refuseBusy(key);
    return this.track(key, await launch());
  }

  private refuseBusy(options: { configPath: string; outputDir?: string }): void {
    const busy = this.findActive({ outputDir: options.outputDir, configPath: options.configPath });
    if (busy) {
      throw new Error(
        `A run is already training into ${busy.outputDir ?? options.outputDir ?? busy.configPath} (step ${busy.progress.step}/${busy.progress.totalSteps}). Stop it first, or set another training_args.output_dir.`,
      );
    }
  }

  private track(options: { configPath: string; outputDir?: string }, child: RunProcess): RunState {
    const id = `run-${this.nextId++}`;
    const state: RunState = {
      id,
      configPath: options.configPath,
      outputDir: options.outputDir,
      phase: 'starting',
      paused: false,
      progress: INITIAL_PROGRESS,
      startedAt: Date.now(),
      events: [],
    };
    this.runs.set(id, state);
    this.processes.set(id, child);
    child.on('event', (event) => this.onEvent(state, event));
    child.on('log', (line) => this.emit('log', state, line));
    child.on('exit', () => this.processes.delete(id));
    this.emit('changed', state);
    return state;
  }

  /** Asks the run to stop (it checkpoints); kills it after the grace period. */
  async stop(id: string): Promise<RunEndEvent | undefined> {
    const child = this.processes.get(id);
    const state = this.runs.get(id);
    if (!child || !state) return state?.end;
    state.phase = 'stopping';
    this.emit('changed', state);
    const grace = this.options.stopGraceMs;
    return child.stop((typeof grace === 'function' ? grace() : grace) ?? 30_000);
  }

  /**
   * Pause (hold before the next step), continue, or save a checkpoint now and go on. False when
   * the run has no live trainer to tell.
   */
  control(id: string, type: Exclude<ControlMessage['type'], 'stop'>): boolean {
    const child = this.processes.get(id);
    const state = this.runs.get(id);
    if (!child || !state || !child.send({ type })) return false;
    if (type === 'pause' || type === 'resume') {
      state.paused = type === 'pause';
      this.emit('changed', state);
    }
    return true;
  }

  /** Resolves when the run has ended (at once if it already has). */
  whenEnded(id: string): Promise<RunEndEvent | undefined> {
    const child = this.processes.get(id);
    return child ? child.exited : Promise.resolve(this.runs.get(id)?.end);
  }

  /** Stops every active run and waits for them, for deactivation. */
  async dispose(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((id) => this.stop(id)));
    this.removeAllListeners();
  }

  private onEvent(state: RunState, event: TrainerEvent): void {
    state.events.push(event);
    state.progress = foldProgress(state.progress, event);
    if (event.type === 'runStart') {
      state.outputDir = event.outputDir;
      if (state.phase === 'starting') state.phase = 'running';
    } else if (event.type === 'runEnd') {
      state.phase = event.status;
      state.paused = false;
      state.end = event;
    }
    this.emit('event', state, event);
    this.emit('changed', state);
  }
}
