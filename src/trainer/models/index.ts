export { createModel } from './create';
export type { ModelDims } from './architectures';
export { FunctionalModel } from './functional-model';
export { isFrozen, WeightStore } from './weights';
export { dense, embed, gelu, layerNorm, maskedMaxPool, maskedMeanPool, DropoutContext } from './ops';
export { glorotUniform, normal, ones, zeros, seededStream, weightSeed, mixSeed, type Initializer } from './init';
