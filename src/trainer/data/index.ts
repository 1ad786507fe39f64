export { prepareData, type PreparedData, type PrepareOptions, type Task } from './prepare';
export { BlockDataset, type TensorDataset, type InputBlock } from './dataset';
export { DataError } from './errors';
export { type FeatureStats, computeFeatureStats, standardize } from './features';
export { IGNORE_INDEX } from './labels';
export { readTable, parseTable, MAX_DATA_FILE_BYTES, type ReadTableOptions } from './read-table';
export type { RawRow, RawTable } from './table';
