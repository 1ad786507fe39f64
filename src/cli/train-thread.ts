/**
 * What the CLI's main thread and its training thread share: how the thread is recognised, and
 * the messages it sends. Light on purpose: the CLI entry imports it on every start.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import type { RunEndEvent, TrainerEvent } from '../protocol/events';
import type { RunOptions } from '../trainer/run';

const TRAIN_WORKER = 'finetune-studio-train';

export type TrainWorkerRun = Pick<RunOptions, 'configPath' | 'resume' | 'maxSteps' | 'backend' | 'overwriteOutputDir' | 'allowUserCode' | 'workspaceRoot' | 'offline'>;

export interface TrainWorkerData {
  kind: typeof TRAIN_WORKER;
  run: TrainWorkerRun;
}

/** What the worker tells the main thread. */
export type WorkerMessage =
  | { kind: 'event'; event: TrainerEvent }
  | { kind: 'metricsLog'; path: string }
  | { kind: 'log'; text: string }
  | { kind: 'done'; end: RunEndEvent };

export function trainWorkerData(run: TrainWorkerRun): TrainWorkerData {
  return { kind: TRAIN_WORKER, run };
}

/** True in a thread started with trainWorkerData (the bundle's entry dispatches on it). */
export function isTrainWorker(): boolean {
  return !isMainThread && (workerData as Partial<TrainWorkerData> | null)?.kind === TRAIN_WORKER;
}
