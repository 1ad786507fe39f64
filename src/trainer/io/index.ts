export { readSafetensors, writeSafetensors, encodeSafetensors, decodeSafetensors, type SafetensorEntry, type SafetensorsDtype, type SafetensorsFile } from './safetensors';
export { saveModel, saveWeights, loadModel, loadWeightsInto, readModelInfo, CONFIG_FILE, WEIGHTS_FILE, HEAD_PREFIX, type ModelInfo, type LoadOverrides } from './model-files';
export { loadLayersModel, readLayersModelArtifacts, LayersModelAdapter, LAYERS_MODEL_FILE, type LayersModelOptions } from './layers-model';
export { fromPretrained } from './pretrained';
