export { TensorBoardSink, type TensorBoardSinkOptions } from './tensorboard-sink';
export { EventFileWriter, eventFileName } from './event-file';
export { resolveLoggingDir, defaultLogdirName } from './logging-dir';
export { hparamsOf } from './hparams';
