export { loadHfModel, type LoadHfOptions, type HfLoadReport } from './load';
export { HfEncoderModel, type HfModelInfo } from './model';
export { readEncoderConfig, problemTypeOf, usablePositions, sequenceClassificationClass, SUPPORTED_MODEL_TYPES, type EncoderConfig, type ProblemType } from './config';
export { loadHfCausalLm, type LoadDecoderOptions, type DecoderLoadReport } from './load-decoder';
export { HfCausalLmModel, type HfDecoderInfo } from './causal-lm';
export { disposeCache, type KvCache, type LayerCache, type DecodeOptions, type DecodeResult } from './decoders';
export { readDecoderConfig, isDecoderModelType, causalLmClass, DECODER_MODEL_TYPES, type DecoderConfig } from './decoder-config';
