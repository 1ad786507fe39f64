/**
 * Where a run is, folded from its events: the one reading of runStart / log / progress / runEnd
 * that the run manager (status bar), the run history (dashboard run list), the terminal reporter
 * and the webview store all use. Pure: a new object when something changed, the same otherwise.
 */
import type { BackendInfo, DownloadEvent, JobEvent, TrainerEvent } from './events';
import type { RunListStatus } from './webview';

export interface RunProgress {
  /** `unknown` until a runStart or log is seen; `running` from then until the runEnd. */
  status: RunListStatus;
  step: number;
  totalSteps: number;
  epoch: number;
  numEpochs: number;
  loss?: number;
  learningRate?: number;
  samplesPerSecond?: number;
  stepsPerSecond?: number;
  /** Seconds left, as of `etaTime` (epoch ms); cleared at the end. */
  eta?: number;
  etaTime?: number;
  backend?: BackendInfo;
  /** metric_for_best_model at the best checkpoint, from the runEnd. */
  bestMetric?: number;
  /** The model download before the run starts, while it lasts (cleared when done, at runStart, at runEnd). */
  download?: Omit<DownloadEvent, 'type' | 'done'>;
  /** A batch job's latest state (Slurm), from the launcher's job events; kept across the trainer's runStart. */
  job?: JobEvent;
}

export const INITIAL_PROGRESS: RunProgress = { status: 'unknown', step: 0, totalSteps: 0, epoch: 0, numEpochs: 0 };

export function foldProgress(p: RunProgress, e: TrainerEvent): RunProgress {
  switch (e.type) {
    case 'runStart': {
      // A resume continues from its checkpoint's step (keeping the best metric so far); a fresh start starts over.
      const step = e.resumedStep ?? 0;
      return {
        status: 'running',
        step,
        totalSteps: e.totalSteps,
        epoch: e.stepsPerEpoch > 0 ? step / e.stepsPerEpoch : 0,
        numEpochs: e.numEpochs,
        backend: e.backend,
        ...(e.resumedStep !== undefined && p.bestMetric !== undefined ? { bestMetric: p.bestMetric } : {}),
        ...(p.job ? { job: p.job } : {}),
      };
    }
    case 'log': {
      const left = p.totalSteps - e.step;
      return {
        ...p,
        status: p.status === 'unknown' ? 'running' : p.status,
        step: e.step,
        epoch: e.epoch,
        loss: e.loss,
        learningRate: e.learning_rate,
        samplesPerSecond: e.samples_per_second,
        stepsPerSecond: e.steps_per_second,
        // Until a progress event says better, estimate from the logged step rate.
        eta: e.steps_per_second > 0 && left >= 0 ? left / e.steps_per_second : p.eta,
        etaTime: e.time,
      };
    }
    case 'progress':
      return { ...p, step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, eta: e.eta, etaTime: e.time };
    case 'download': {
      if (e.done) return p.download === undefined ? p : { ...p, download: undefined };
      const { type: _type, done: _done, ...download } = e;
      return { ...p, download };
    }
    case 'runEnd':
      return { ...p, status: e.status, step: e.step, epoch: e.epoch, eta: undefined, etaTime: undefined, bestMetric: e.bestMetric ?? p.bestMetric, download: undefined };
    case 'job':
      // A queued job is a run in progress before its trainer has said anything.
      return { ...p, job: e, status: p.status === 'unknown' && e.active ? 'running' : p.status };
    default:
      return p;
  }
}

export function foldProgressAll(events: readonly TrainerEvent[], from: RunProgress = INITIAL_PROGRESS): RunProgress {
  let p = from;
  for (const e of events) p = foldProgress(p, e);
  return p;
}
