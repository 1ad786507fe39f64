/**
 * The file names of a PEFT adapter folder and the check for one, without tfjs: the extension host
 * (dashboard, merge command) asks whether a run folder holds an adapter.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export function isAdapterFolder(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_CONFIG_FILE));
}
