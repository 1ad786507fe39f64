/**
 * Which repo files a fine-tune needs. Only these are downloaded: a repo often also holds
 * pytorch_model.bin (a pickle, never loaded), tf_model.h5, flax and onnx/ exports that
 * would multiply the download for nothing.
 */

const NEEDED_NAMES = new Set([
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'spiece.model',
  'sentencepiece.bpe.model',
  'chat_template.jinja',
  'chat_template.json',
  'adapter_config.json',
]);

/** True for a top-level file a fine-tune reads: config, safetensors weights and index, tokenizer, generation config. */
export function isNeededFile(path: string): boolean {
  if (path.includes('/')) return false; // onnx/, subfolders of other libraries
  return NEEDED_NAMES.has(path) || path.endsWith('.safetensors') || path.endsWith('.safetensors.index.json');
}

/** What is wrong with a repo's file list for a fine-tune, or undefined when it has what is needed. */
export function checkRepoFiles(paths: readonly string[]): string | undefined {
  if (!paths.includes('config.json')) return 'it has no config.json at its top level (is it a transformers model?)';
  if (!paths.some((p) => !p.includes('/') && p.endsWith('.safetensors'))) {
    const bin = paths.find((p) => p.endsWith('.bin') || p.endsWith('.h5') || p.endsWith('.msgpack'));
    return bin
      ? `it has no safetensors weights, only ${bin}; pickled .bin weights can run code and are not loaded. ` +
          'Convert them with transformers (model.save_pretrained(dir, safe_serialization=True)) or pick a revision with model.safetensors'
      : 'it has no safetensors weights';
  }
  return undefined;
}
