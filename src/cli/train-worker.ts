/**
 * The training run's own thread. The CLI's main thread (train-supervisor.ts) starts it and so
 * stays free to answer Ctrl-C, SIGTERM and the extension's IPC even while user code blocks this
 * thread (an endless loop in computeLoss): it can always stop, or end, the run.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import * as publicApi from '../index';
import type { ControlMessage } from '../protocol/events';
import { isControlMessage } from '../protocol/guards';
import { runTraining } from '../trainer/run';
import type { Trainer } from '../trainer/trainer';
import type { TrainWorkerData, WorkerMessage } from './train-thread';

export async function runTrainWorker(): Promise<void> {
  const port = parentPort as MessagePort;
  const { run } = workerData as TrainWorkerData;
  const post = (message: WorkerMessage): void => port.postMessage(message);

  let trainer: Trainer | undefined;
  const pending: ControlMessage[] = [];
  // A stop before the Trainer exists (the model still downloading) ends the run there.
  const stopBeforeTrainer = new AbortController();
  const apply = (message: ControlMessage): void => {
    if (!trainer) {
      if (message.type === 'stop') stopBeforeTrainer.abort();
      pending.push(message);
      return;
    }
    if (message.type === 'stop') trainer.requestStop();
    else if (message.type === 'pause') trainer.pause();
    else if (message.type === 'resume') trainer.resume();
    else if (message.type === 'save') trainer.requestSave();
  };
  port.on('message', (message: unknown) => {
    if (isControlMessage(message)) apply(message);
  });

  const end = await runTraining({
    ...run,
    events: { emit: (event) => post({ kind: 'event', event }) },
    stopSignal: stopBeforeTrainer.signal,
    core: { 'finetune-studio': publicApi, '@tensorflow/tfjs': tf },
    onTrainer: (t) => {
      trainer = t;
      for (const message of pending.splice(0)) apply(message);
    },
    onMetricsLog: (path) => post({ kind: 'metricsLog', path }),
    asyncErrors: catchUserErrors,
    log: (text) => post({ kind: 'log', text }),
  });
  post({ kind: 'done', end });
}

/**
 * This thread's process-level hooks, for the run's duration: an unhandled rejection or an uncaught
 * exception from user code, and process.exit (which in a worker would end the run silently), all
 * end the run as failed. process.exit throws so the user's code stops where it called it.
 */
export function catchUserErrors(onError: (error: unknown, origin: string) => void): () => void {
  const onRejection = (reason: unknown): void => onError(reason, 'Unhandled promise rejection in user code');
  const onException = (error: unknown): void => onError(error, 'Uncaught exception in user code outside computeLoss');
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    const error = new Error(`process.exit(${code ?? ''}) was called during training. User code may not end the trainer; throw an error instead.`);
    onError(error, 'Unexpected exit');
    throw error;
  }) as typeof process.exit;
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    process.exit = exit;
  };
}
