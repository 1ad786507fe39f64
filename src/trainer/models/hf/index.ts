export { loadHfModel, type LoadHfOptions, type HfLoadReport } from './load';
export { HfEncoderModel, type HfModelInfo } from './model';
export { readEncoderConfig, problemTypeOf, usablePositions, sequenceClassificationClass, SUPPORTED_MODEL_TYPES, type EncoderConfig, type ProblemType } from './config';
