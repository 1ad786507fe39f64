/**
 * HF-compatible TrainerState (trainer_state.json) and TrainerControl.
 */

export interface LogHistoryEntry {
  step: number;
  epoch: number;
  [key: string]: number;
}

/** Field names follow HF's trainer_state.json so existing tooling can read it. */
export interface TrainerStateJson {
  epoch: number;
  global_step: number;
  max_steps: number;
  num_train_epochs: number;
  logging_steps: number;
  eval_steps: number;
  save_steps: number;
  train_batch_size: number;
  best_metric: number | null;
  best_model_checkpoint: string | null;
  log_history: LogHistoryEntry[];
  is_local_process_zero: boolean;
  is_world_process_zero: boolean;
  trial_name: null;
  total_flos: number;
}

export class TrainerState {
  epoch = 0;
  globalStep = 0;
  maxSteps = 0;
  numTrainEpochs = 0;
  loggingSteps = 500;
  evalSteps = 500;
  saveSteps = 500;
  trainBatchSize = 8;
  bestMetric: number | undefined;
  bestModelCheckpoint: string | undefined;
  logHistory: LogHistoryEntry[] = [];

  toJson(): TrainerStateJson {
    return {
      epoch: this.epoch,
      global_step: this.globalStep,
      max_steps: this.maxSteps,
      num_train_epochs: this.numTrainEpochs,
      logging_steps: this.loggingSteps,
      eval_steps: this.evalSteps,
      save_steps: this.saveSteps,
      train_batch_size: this.trainBatchSize,
      best_metric: this.bestMetric ?? null,
      best_model_checkpoint: this.bestModelCheckpoint ?? null,
      log_history: this.logHistory,
      is_local_process_zero: true,
      is_world_process_zero: true,
      trial_name: null,
      total_flos: 0,
    };
  }

  static fromJson(json: TrainerStateJson): TrainerState {
    const state = new TrainerState();
    state.epoch = json.epoch;
    state.globalStep = json.global_step;
    state.maxSteps = json.max_steps;
    state.numTrainEpochs = json.num_train_epochs;
    state.loggingSteps = json.logging_steps;
    state.evalSteps = json.eval_steps;
    state.saveSteps = json.save_steps;
    state.trainBatchSize = json.train_batch_size;
    state.bestMetric = json.best_metric ?? undefined;
    state.bestModelCheckpoint = json.best_model_checkpoint ?? undefined;
    state.logHistory = Array.isArray(json.log_history) ? json.log_history : [];
    return state;
  }
}

/** HF's TrainerControl: callbacks set these flags to steer the loop. */
export class TrainerControl {
  shouldTrainingStop = false;
  shouldEpochStop = false;
  shouldSave = false;
  shouldEvaluate = false;
  shouldLog = false;

  resetStep(): void {
    this.shouldSave = false;
    this.shouldEvaluate = false;
    this.shouldLog = false;
  }
}
