/**
 * The main thread of `finetune-studio train`: runs the training in a worker thread
 * (train-worker.ts) and relays its events. Because user code never runs on this thread, a stop,
 * a second Ctrl-C, SIGTERM or a grace timeout is always answered: the worker is terminated if it
 * does not stop, and this thread records how the run ended, in metrics.jsonl and to the caller.
 */
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ControlMessage, RunEndEvent, TrainerEvent } from '../protocol/events';
import { latestCheckpoint } from '../trainer/checkpoints';
import { JsonlEventLog } from '../trainer/event-sink';
import { trainWorkerData, type TrainWorkerRun, type WorkerMessage } from './train-thread';

export interface SupervisorOptions {
  run: TrainWorkerRun;
  /** Each event, in order, including the runEnd this thread writes when the worker could not. */
  emit: (event: TrainerEvent) => void;
  /** Problems that cannot become events. */
  log: (text: string) => void;
}

/**
 * The module the worker thread starts: the running file when bundled (dist/cli.js dispatches on
 * isTrainWorker), train-worker.ts under tsx (tests, development), loaded through tsx's require hook.
 */
function startWorker(run: TrainWorkerRun): Worker {
  const options = { workerData: trainWorkerData(run), stdout: false, stderr: false };
  if (!__filename.endsWith('.ts')) return new Worker(__filename, options);
  // A worker does not inherit tsx's hooks: register its require hook, then load the worker module.
  const entry = JSON.stringify(join(__dirname, 'train-worker.ts'));
  const cjs = JSON.stringify(require.resolve('tsx/cjs'));
  return new Worker(`require(${cjs}); void require(${entry}).runTrainWorker();`, { ...options, eval: true });
}

export class TrainingSupervisor {
  readonly finished: Promise<RunEndEvent>;
  private readonly worker: Worker;
  private readonly started = Date.now();
  private metricsPath?: string;
  private step = 0;
  private epoch = 0;
  private stopRequested = false;
  private abortReason?: string;
  private workerError?: string;
  /** The run's end once known: the worker's runEnd, or the one this thread wrote. */
  private end?: RunEndEvent;

  constructor(private readonly options: SupervisorOptions) {
    this.worker = startWorker(options.run);
    this.finished = new Promise((resolve) => {
      this.worker.on('message', (message: WorkerMessage) => this.onMessage(message, resolve));
      this.worker.on('error', (error) => {
        this.workerError = error.stack ?? error.message;
      });
      // After 'done' (or the worker's own runEnd) this only confirms the end; otherwise the run ended unreported.
      this.worker.on('exit', (code) => resolve(this.end ?? this.recordEnd(this.unfinishedEnd(code))));
    });
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  control(message: ControlMessage): void {
    if (message.type === 'stop') this.stopRequested = true;
    this.worker.postMessage(message);
  }

  requestStop(): void {
    this.control({ type: 'stop' });
  }

  /** Ends the run now: terminates the worker wherever it is (an endless loop included); resolves with the runEnd this thread wrote. */
  abort(reason: string): Promise<RunEndEvent> {
    if (!this.end && this.abortReason === undefined) {
      this.abortReason = reason;
      void this.worker.terminate();
    }
    return this.finished;
  }

  private onMessage(message: WorkerMessage, resolve: (end: RunEndEvent) => void): void {
    switch (message.kind) {
      case 'event': {
        const event = message.event;
        if (event.type === 'log' || event.type === 'progress' || event.type === 'runEnd') {
          this.step = event.step;
          this.epoch = event.epoch;
        }
        if (event.type === 'runEnd') this.end = event;
        this.safeEmit(event);
        break;
      }
      case 'metricsLog':
        this.metricsPath = message.path;
        break;
      case 'log':
        this.options.log(message.text);
        break;
      case 'done':
        // The worker's own runEnd: already in metrics.jsonl and relayed as an event.
        this.end = message.end;
        // Nothing of the run is left to do; user timers still pending there must not outlive it.
        void this.worker.terminate();
        resolve(this.end);
        break;
    }
  }

  /** The end of a run whose worker stopped without reporting one. */
  private unfinishedEnd(code: number): RunEndEvent {
    const latest = this.metricsPath ? latestCheckpoint(dirname(this.metricsPath)) : undefined;
    const resumable = latest ? ` The latest checkpoint is ${latest}; --resume continues from it.` : '';
    const message =
      this.abortReason !== undefined
        ? `${this.abortReason} at step ${this.step}, without a checkpoint of this point.${resumable}`
        : `The training thread ended (exit code ${code}) at step ${this.step} without finishing the run${this.workerError ? `: ${this.workerError}` : ''}.${resumable}`;
    return {
      type: 'runEnd',
      time: Date.now(),
      status: 'failed',
      step: this.step,
      epoch: this.epoch,
      trainRuntime: (Date.now() - this.started) / 1000,
      error: { message },
    };
  }

  /** Writes an end the worker could not write (metrics.jsonl first, as the run does), then tells the caller. */
  private recordEnd(end: RunEndEvent): RunEndEvent {
    this.end = end;
    if (this.metricsPath) {
      try {
        const log = new JsonlEventLog(this.metricsPath);
        try {
          log.emit(end);
        } finally {
          log.close();
        }
      } catch (error) {
        this.options.log(`Could not record the end of the run in ${this.metricsPath}: ${(error as Error).message}`);
      }
    }
    this.safeEmit(end);
    return end;
  }

  private safeEmit(event: TrainerEvent): void {
    try {
      this.options.emit(event);
    } catch (error) {
      this.options.log(`Could not relay a ${event.type} event: ${(error as Error).message}`);
    }
  }
}
